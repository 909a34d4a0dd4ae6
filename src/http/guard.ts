// One zod guard for every route: body, query and params are parsed before the handler runs, and
// the handler receives typed values. A failure is a 400 problem listing every bad field.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { z } from 'zod';
import { InvalidRequestError, type FieldError } from '../errors/app-error.ts';
import { fieldErrorsFromZod } from '../errors/problem.ts';

type Schema = z.ZodType;
type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface GuardSchemas<B extends Schema | undefined, Q extends Schema | undefined, P extends Schema | undefined> {
  body?: B;
  query?: Q;
  params?: P;
}

export interface Guarded<B, Q, P> {
  body: B;
  query: Q;
  params: P;
}

export function guard<
  B extends Schema | undefined = undefined,
  Q extends Schema | undefined = undefined,
  P extends Schema | undefined = undefined,
>(
  schemas: GuardSchemas<B, Q, P>,
  handler: (input: Guarded<Out<B>, Out<Q>, Out<P>>, req: Request, res: Response) => Promise<void> | void,
): RequestHandler {
  return async function guardedHandler(req: Request, res: Response, next: NextFunction) {
    try {
      const errors: FieldError[] = [];
      const parse = (schema: Schema | undefined, value: unknown, where: string) => {
        if (!schema) return undefined;
        const result = schema.safeParse(value);
        if (!result.success) {
          errors.push(...fieldErrorsFromZod(result.error, where));
          return undefined;
        }
        return result.data;
      };
      const body = parse(schemas.body, req.body ?? {}, 'body');
      const query = parse(schemas.query, req.query, 'query');
      const params = parse(schemas.params, req.params, 'params');
      if (errors.length > 0) {
        throw new InvalidRequestError('The request has invalid fields; see errors', errors);
      }
      await handler({ body, query, params } as Guarded<Out<B>, Out<Q>, Out<P>>, req, res);
    } catch (error) {
      next(error);
    }
  };
}
