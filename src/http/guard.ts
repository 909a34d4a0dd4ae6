// One zod guard for every route: body, query and params are parsed before the handler runs, and
// the handler receives typed values. A failure is a 400 problem listing every bad field.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { z } from 'zod';
import { InvalidRequestError, type FieldError } from '../errors/app-error.ts';
import { fieldErrorsFromZod } from '../errors/problem.ts';

type Schema = z.ZodType;
type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface GuardSchemas<B extends Schema | undefined, Q extends Schema | undefined, P extends Schema | undefined, H extends Schema | undefined> {
  body?: B;
  query?: Q;
  params?: P;
  /** Request headers, by their lower-case names (as Node gives them); other headers pass. */
  headers?: H;
}

export interface Guarded<B, Q, P, H = undefined> {
  body: B;
  query: Q;
  params: P;
  headers: H;
}

export function guard<
  B extends Schema | undefined = undefined,
  Q extends Schema | undefined = undefined,
  P extends Schema | undefined = undefined,
  H extends Schema | undefined = undefined,
>(
  schemas: GuardSchemas<B, Q, P, H>,
  handler: (input: Guarded<Out<B>, Out<Q>, Out<P>, Out<H>>, req: Request, res: Response) => Promise<void> | void,
): RequestHandler {
  return async function guardedHandler(req: Request, res: Response, next: NextFunction) {
    try {
      // Only the parts the operation reads are read (Express parses the query string on every read of req.query).
      const bodyIn = schemas.body ? (req.body ?? {}) : undefined;
      const queryIn = schemas.query ? req.query : undefined;
      const paramsIn = schemas.params ? req.params : undefined;
      // PostgreSQL text cannot hold U+0000: refuse it in any string or key before a schema sees it.
      if (containsNul(bodyIn) || containsNul(queryIn) || containsNul(paramsIn)) {
        const nulErrors = [...findNulCharacters(bodyIn, 'body'), ...findNulCharacters(queryIn, 'query'), ...findNulCharacters(paramsIn, 'params')];
        throw new InvalidRequestError('The request has invalid fields; see errors', nulErrors);
      }
      const errors: FieldError[] = [];
      const body = parsePart(schemas.body, bodyIn, 'body', errors);
      const query = parsePart(schemas.query, queryIn, 'query', errors);
      const params = parsePart(schemas.params, paramsIn, 'params', errors);
      const headers = schemas.headers ? parsePart(schemas.headers, headersNamedIn(schemas.headers, req), 'headers', errors) : undefined;
      if (errors.length > 0) {
        throw new InvalidRequestError('The request has invalid fields; see errors', errors);
      }
      await handler({ body, query, params, headers } as Guarded<Out<B>, Out<Q>, Out<P>, Out<H>>, req, res);
    } catch (error) {
      next(error);
    }
  };
}

/** The part's parsed value; its problems are added to `errors` (and undefined returned). */
function parsePart(schema: Schema | undefined, value: unknown, where: string, errors: FieldError[]): unknown {
  if (!schema) return undefined;
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  errors.push(...fieldErrorsFromZod(result.error, where));
  return undefined;
}

/** Every string (or object key) under `value` that contains U+0000, as field errors. */
export function findNulCharacters(value: unknown, path: string): FieldError[] {
  // Runs on every guarded request; nearly always there is nothing to report, so nothing is allocated then.
  return containsNul(value) ? collectNulCharacters(value, path) : [];
}

function collectNulCharacters(value: unknown, path: string): FieldError[] {
  if (typeof value === 'string') return value.includes('\u0000') ? [{ path, message: 'must not contain NUL (U+0000) characters' }] : [];
  if (Array.isArray(value)) return value.flatMap((item, index) => collectNulCharacters(item, `${path}.${index}`));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>).flatMap(([key, item]) =>
      key.includes('\u0000') ? [{ path, message: 'must not contain a key with NUL (U+0000) characters' }] : collectNulCharacters(item, `${path}.${key}`),
    );
  }
  return [];
}

function containsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) {
    for (const item of value) if (containsNul(item)) return true;
    return false;
  }
  if (value !== null && typeof value === 'object') {
    for (const key in value) {
      if (!Object.hasOwn(value, key)) continue;
      if (key.includes('\u0000') || containsNul((value as Record<string, unknown>)[key])) return true;
    }
  }
  return false;
}

/** The request headers a schema names, under the schema's own spelling (Node lower-cases names). */
function headersNamedIn(schema: Schema | undefined, req: Request): Record<string, string | undefined> {
  const names = schema && 'shape' in schema ? Object.keys((schema as unknown as z.ZodObject).shape) : [];
  return Object.fromEntries(names.map((name) => [name, req.get(name)]));
}
