// The bridge's rate limits, one fixed one-minute window each (express-rate-limit), counted across
// replicas when a shared store is given (shared-rate-limit-store.ts). Over a limit: 429
// problem+json `rate_limited` with Retry-After, documented on every operation it guards.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { MemoryStore, rateLimit, type IncrementResponse, type Options, type Store } from 'express-rate-limit';
import type { Principal } from '../auth/principal.ts';
import { AppError } from '../errors/app-error.ts';
import { principalOf } from './authenticate.ts';

/** Makes the store of one limiter; undefined counts in this process's memory. */
export type RateLimitStoreFactory = (name: string, mode: 'exact' | 'batched') => Store | undefined;

export interface RateLimitOptions {
  perMinute: number;
  store: Store | undefined;
  keyOf?: (req: Request, res: Response) => string;
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
    handler: (req, _res, next, limiterOptions) => {
      const seconds = secondsUntilReset(req, limiterOptions.windowMs);
      next(new AppError('rate_limited', options.describe(seconds), { headers: { 'Retry-After': String(seconds) } }));
    },
  });
}

export function secondsUntilReset(req: Request, windowMs: number): number {
  return secondsUntil((req as { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime, windowMs);
}

/** Whole seconds (at least 1) until a window resets; the whole window when the store gave no time. */
function secondsUntil(resetTime: Date | undefined, windowMs: number): number {
  return resetTime ? Math.max(1, Math.ceil((resetTime.getTime() - Date.now()) / 1000)) : Math.ceil(windowMs / 1000);
}

/** The caller a limit counts: its realm and the actor (person or SA) the credential names. */
export function callerKey(principal: Principal): string {
  return `${principal.realm}:${principal.actor.id}`;
}

/**
 * Requests made with an API key, per key: a leaked or runaway key cannot flood the API. Access
 * tokens are not counted here. The same window, headers and 429 as limitRequests, but counted
 * inline rather than through express-rate-limit: this runs on every API-key request, where the
 * library's four awaits and per-request validations were 2.5 % of the request's CPU (self time,
 * bench profile of GET /v1/me), and the shared store answers a hit counted locally without a
 * promise.
 */
export function limitApiKeyRequests(perMinute: number, store: Store | undefined): RequestHandler {
  const windowMs = 60_000;
  const counter = store ?? new MemoryStore();
  void counter.init?.({ windowMs } as Options);
  const policy = `${perMinute};w=${windowMs / 1000}`;

  function decide(res: Response, next: NextFunction, counted: IncrementResponse): void {
    const seconds = secondsUntil(counted.resetTime, windowMs);
    res.setHeader('RateLimit-Policy', policy);
    res.setHeader('RateLimit', `limit=${perMinute}, remaining=${Math.max(perMinute - counted.totalHits, 0)}, reset=${seconds}`);
    if (counted.totalHits <= perMinute) return next();
    const detail = `This API key made more than ${perMinute} requests in a minute; retry after ${seconds} s`;
    next(new AppError('rate_limited', detail, { headers: { 'Retry-After': String(seconds) } }));
  }

  return function limitApiKeyRequest(_req, res, next) {
    const keyId = principalOf(res).apiKeyId;
    if (keyId === undefined) return next();
    try {
      const counted = counter.increment(keyId);
      if (counted instanceof Promise) counted.then((c) => decide(res, next, c), next);
      else decide(res, next, counted);
    } catch (error) {
      next(error);
    }
  };
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
  const limiter = limitRequests({
    perMinute,
    store,
    keyOf: (_req, res) => callerKey(principalOf(res)),
    describe: (seconds) => `More than ${perMinute} changes in a minute from this caller; retry after ${seconds} s`,
  });
  // Reads pass straight on: entering express-rate-limit only to be skipped costs a read several awaits.
  return function limitMutation(req, res, next) {
    if (MUTATING.has(req.method)) limiter(req, res, next);
    else next();
  };
}
