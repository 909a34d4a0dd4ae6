import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { isDatabaseUnavailable } from '../db/database-errors.ts';
import { AppError, DatabaseUnavailableError } from '../errors/app-error.ts';
import { internalError, PROBLEM_CONTENT_TYPE, toProblem } from '../errors/problem.ts';

/**
 * Maps errors that Express, its router and body-parser raise for a bad request (http-errors with
 * a 4xx `status`) to our codes: by body-parser's documented `type` where it has one, else by status.
 * Anything else is not the caller's fault and stays a 500.
 */
export function fromHttpError(error: unknown): AppError | undefined {
  const type = (error as { type?: unknown })?.type;
  switch (type) {
    case 'entity.parse.failed':
      return new AppError('malformed_json', 'The request body is not valid JSON');
    case 'entity.too.large':
      return new AppError('payload_too_large');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new AppError('unsupported_media_type', 'The request body must be UTF-8 JSON without a content encoding this server cannot decode');
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
      return new AppError('invalid_request', 'The request body could not be read');
  }
  const status = (error as { status?: unknown; statusCode?: unknown })?.status ?? (error as { statusCode?: unknown })?.statusCode;
  if (typeof status !== 'number' || status < 400 || status >= 500) return undefined;
  // The router raises a URIError (status 400) for a path segment that is not valid percent-encoding.
  if (error instanceof URIError) return new AppError('invalid_request', 'The path contains malformed percent-encoding');
  if (status === 413) return new AppError('payload_too_large');
  if (status === 415) return new AppError('unsupported_media_type');
  // e.g. a body that claims Content-Encoding: gzip but is not gzip.
  return new AppError('invalid_request', 'The request could not be read');
}

export function handleNotFound(): RequestHandler {
  return function notFound(_req, _res, next) {
    next(new AppError('not_found', 'No such route'));
  };
}

export function handleErrors(logger: Logger): ErrorRequestHandler {
  return function errorHandler(error, _req, res, next) {
    if (res.headersSent) {
      next(error);
      return;
    }
    const appError =
      error instanceof AppError ? error : (fromHttpError(error) ?? (isDatabaseUnavailable(error) ? new DatabaseUnavailableError(error) : internalError(error)));
    const requestId = res.locals.requestId as string | undefined;
    if (appError.status >= 500) {
      logger.error({ err: appError.cause ?? error, requestId, code: appError.code }, 'request failed');
    }
    for (const [name, value] of Object.entries(appError.headers)) res.setHeader(name, value);
    res.status(appError.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(toProblem(appError, requestId)));
  };
}
