import type { RequestHandler } from 'express';
import { AppError } from '../errors/app-error.ts';

export class UnsupportedMediaTypeError extends AppError {
  constructor() {
    super('unsupported_media_type', 'Send the request body as application/json');
    this.name = 'UnsupportedMediaTypeError';
  }
}

const WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

/** A mutation with a body that is not JSON is 415, rather than being read as an empty body. */
export function requireJsonBody(): RequestHandler {
  return function requireJson(req, _res, next) {
    if (!WITH_BODY.has(req.method)) return next();
    const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
    if (hasBody && !req.is(['application/json', 'application/*+json'])) {
      next(new UnsupportedMediaTypeError());
      return;
    }
    next();
  };
}
