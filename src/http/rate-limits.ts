// The bridge's rate limits, one fixed one-minute window each (express-rate-limit), counted across
// replicas when a shared store is given (shared-rate-limit-store.ts). Over a limit: 429
// problem+json `rate_limited` with Retry-After, documented on every operation it guards.
import type { Request, RequestHandler, Response } from 'express';
import { rateLimit, type Store } from 'express-rate-limit';
import type { Principal } from '../auth/principal.ts';
import { AppError } from '../errors/app-error.ts';
import { principalOf } from './authenticate.ts';

/** Makes the store of one limiter; undefined counts in this process's memory. */
export type RateLimitStoreFactory = (name: string, mode: 'exact' | 'batched') => Store | undefined;

export interface RateLimitOptions {
  perMinute: number;
  store: Store | undefined;
  keyOf?: (req: Request, res: Response) => string;
  skip?: (req: Request, res: Response) => boolean;
  /** The problem's detail, given the seconds until the window ends. */
  describe: (seconds: number) => string;
}

export function limitRequests(options: RateLimitOptions): RequestHandler {
  return rateLimit({
    windowMs: 60_000,
    limit: options.perMinute,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    ...(options.store && { store: options.store }),
    ...(options.keyOf && { keyGenerator: options.keyOf }),
    ...(options.skip && { skip: options.skip }),
    handler: (req, _res, next, limiterOptions) => {
      const seconds = secondsUntilReset(req, limiterOptions.windowMs);
      next(new AppError('rate_limited', options.describe(seconds), { headers: { 'Retry-After': String(seconds) } }));
    },
  });
}

export function secondsUntilReset(req: Request, windowMs: number): number {
  const resetTime = (req as { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
  return resetTime ? Math.max(1, Math.ceil((resetTime.getTime() - Date.now()) / 1000)) : Math.ceil(windowMs / 1000);
}

/** The caller a limit counts: its realm and the actor (person or SA) the credential names. */
export function callerKey(principal: Principal): string {
  return `${principal.realm}:${principal.actor.id}`;
}

/** Requests made with an API key, per key: a leaked or runaway key cannot flood the API. Access tokens are not counted here. */
export function limitApiKeyRequests(perMinute: number, store: Store | undefined): RequestHandler {
  return limitRequests({
    perMinute,
    store,
    skip: (_req, res) => principalOf(res).apiKeyId === undefined,
    keyOf: (_req, res) => principalOf(res).apiKeyId!,
    describe: (seconds) => `This API key made more than ${perMinute} requests in a minute; retry after ${seconds} s`,
  });
}

/** Unauthenticated reports of leaked keys, per client address. */
export function limitRequestsPerAddress(perMinute: number, store: Store | undefined): RequestHandler {
  return limitRequests({
    perMinute,
    store,
    // express-rate-limit's own key: the address, IPv6 by its /56.
    describe: (seconds) => `Too many requests from this address; retry after ${seconds} s`,
  });
}

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Load shedding on every mutating /v1 route, per caller: a burst from one portal, pipeline or
 * script gets 429s before it can queue Keycloak admin calls for everyone else.
 */
export function limitMutations(perMinute: number, store: Store | undefined): RequestHandler {
  return limitRequests({
    perMinute,
    store,
    skip: (req) => !MUTATING.has(req.method),
    keyOf: (_req, res) => callerKey(principalOf(res)),
    describe: (seconds) => `More than ${perMinute} changes in a minute from this caller; retry after ${seconds} s`,
  });
}
