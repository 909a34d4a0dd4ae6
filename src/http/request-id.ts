import { randomBytes } from 'node:crypto';
import type { RequestHandler } from 'express';
import { requestContext } from '../logging/logger.ts';

// An incoming X-Request-Id is kept only when it is short and plain, so that a caller cannot
// inject log lines or oversized values through it.
const acceptableRequestId = /^[A-Za-z0-9._:-]{1,64}$/;

export function newRequestId(): string {
  return `req_${randomBytes(12).toString('base64url')}`;
}

export function assignRequestId(): RequestHandler {
  return function assignRequestIdMiddleware(req, res, next) {
    const incoming = req.get('x-request-id');
    const id = incoming && acceptableRequestId.test(incoming) ? incoming : newRequestId();
    res.locals.requestId = id;
    res.setHeader('X-Request-Id', id);
    requestContext.run({ requestId: id }, next);
  };
}
