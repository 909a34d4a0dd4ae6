// One declaration per HTTP operation: its path, who may call it, its request schemas (which the
// guard validates), its success responses and the error codes it may answer with. Routes mount
// operations with mount(), on a route table (route-table.ts) or an Express router; the OpenAPI
// document (src/openapi/) is generated from the same declarations, so the contract is written once.
import type { RequestHandler } from 'express';
import type { z } from 'zod';
import type { Role } from '../auth/roles.ts';
import type { ErrorCode } from '../errors/error-codes.ts';
import { guard, type Guarded } from './guard.ts';

export type HttpMethod = 'get' | 'post' | 'patch' | 'delete';

export interface OperationLink {
  operationId: string;
  /** Runtime expressions, e.g. `$response.body#/id`. */
  parameters: Record<string, string>;
  description?: string;
}

export interface SuccessResponse {
  description: string;
  /** The body's schema; JSON unless `contentType` says otherwise. */
  schema?: z.ZodType;
  contentType?: string;
  /** Response headers beyond X-Request-Id (which every response carries). */
  headers?: z.ZodObject;
  links?: Record<string, OperationLink>;
  example?: unknown;
}

export interface OperationRequest<B, Q, P, H> {
  body?: B;
  /** The body's media type: JSON unless the operation takes a form (the OAuth token exchange). */
  bodyType?: 'application/json' | 'application/x-www-form-urlencoded';
  bodyRequired?: boolean;
  bodyExample?: unknown;
  query?: Q;
  params?: P;
  headers?: H;
}

export interface Operation<
  B extends z.ZodType | undefined = z.ZodType | undefined,
  Q extends z.ZodType | undefined = z.ZodType | undefined,
  P extends z.ZodType | undefined = z.ZodType | undefined,
  H extends z.ZodType | undefined = z.ZodType | undefined,
> {
  method: HttpMethod;
  /** The OpenAPI path template, e.g. `/v1/service-accounts/{id}`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  /** Who may call it: 'public' (no token), or the roles whose bearer token it accepts. */
  access: 'public' | readonly Role[];
  request?: OperationRequest<B, Q, P, H>;
  responses: Record<number, SuccessResponse>;
  /**
   * Problem codes this operation may answer with besides those every operation of its kind can
   * (the OpenAPI generator adds invalid_token, invalid_request, internal_error, … by kind).
   */
  errors: readonly ErrorCode[];
  /** Errors as RFC 6749 `{error, error_description}` by status, instead of problem+json (the token exchange). */
  oauthErrors?: Record<number, readonly string[]>;
}

export function defineOperation<
  B extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  P extends z.ZodType | undefined = undefined,
  H extends z.ZodType | undefined = undefined,
>(operation: Operation<B, Q, P, H>): Operation<B, Q, P, H> {
  return operation;
}

/** `/v1/service-accounts/{id}` -> `/v1/service-accounts/:id` */
export function expressPath(template: string): string {
  return template.replace(/\{([A-Za-z0-9_]+)\}/g, ':$1');
}

type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

/** Where operations are mounted: a RouteTable, or an Express router where a feature also serves static files. */
export type MountTarget = Record<HttpMethod, (path: string, ...handlers: RequestHandler[]) => unknown>;

/** Mounts an operation: its request schemas are validated by the guard first. */
export function mount<B extends z.ZodType | undefined, Q extends z.ZodType | undefined, P extends z.ZodType | undefined, H extends z.ZodType | undefined>(
  router: MountTarget,
  operation: Operation<B, Q, P, H>,
  handler: Parameters<typeof guard<B, Q, P, H>>[1],
  ...before: RequestHandler[]
): void {
  router[operation.method](expressPath(operation.path), ...before, guard(operation.request ?? {}, handler));
}

export type OperationInput<O> = O extends Operation<infer B, infer Q, infer P, infer H> ? Guarded<Out<B>, Out<Q>, Out<P>, Out<H>> : never;
