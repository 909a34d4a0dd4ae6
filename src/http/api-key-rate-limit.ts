// Requests made with an API key are limited per key (express-rate-limit, a fixed one-minute window
// in this process's memory): a leaked or runaway key cannot flood the API. Over the limit: 429
// problem+json `rate_limited` with Retry-After. Requests with access tokens are not counted here.
import type { RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import { AppError } from '../errors/app-error.ts';
import { principalOf } from './authenticate.ts';

export function limitApiKeyRequests(perMinute: number): RequestHandler {
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    skip: (_req, res) => principalOf(res).apiKeyId === undefined,
    keyGenerator: (_req, res) => principalOf(res).apiKeyId!,
    handler: (req, _res, next, options) => {
      const resetTime = (req as { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
      const seconds = resetTime ? Math.max(1, Math.ceil((resetTime.getTime() - Date.now()) / 1000)) : Math.ceil(options.windowMs / 1000);
      next(new AppError('rate_limited', `This API key made more than ${perMinute} requests in a minute; retry after ${seconds} s`, { headers: { 'Retry-After': String(seconds) } }));
    },
  });
}

/** Unauthenticated reports of leaked keys, per client address. */
export function limitRequestsPerAddress(perMinute: number): RequestHandler {
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    handler: (req, _res, next, options) => {
      const resetTime = (req as { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
      const seconds = resetTime ? Math.max(1, Math.ceil((resetTime.getTime() - Date.now()) / 1000)) : Math.ceil(options.windowMs / 1000);
      next(new AppError('rate_limited', `Too many requests from this address; retry after ${seconds} s`, { headers: { 'Retry-After': String(seconds) } }));
    },
  });
}
