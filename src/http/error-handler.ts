import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { AppError } from '../errors/app-error.ts';
import { internalError, PROBLEM_CONTENT_TYPE, toProblem } from '../errors/problem.ts';

/** Maps errors thrown by express.json() (body-parser) to our codes by their documented `type`. */
function fromBodyParser(error: unknown): AppError | undefined {
  const type = (error as { type?: unknown })?.type;
  switch (type) {
    case 'entity.parse.failed':
      return new AppError('malformed_json', 'The request body is not valid JSON');
    case 'entity.too.large':
      return new AppError('payload_too_large');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new AppError('unsupported_media_type', 'The request body must be UTF-8 JSON');
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
      return new AppError('invalid_request', 'The request body could not be read');
    default:
      return undefined;
  }
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
    const appError = error instanceof AppError ? error : (fromBodyParser(error) ?? internalError(error));
    const requestId = res.locals.requestId as string | undefined;
    if (appError.status >= 500) {
      logger.error({ err: appError.cause ?? error, requestId, code: appError.code }, 'request failed');
    }
    for (const [name, value] of Object.entries(appError.headers)) res.setHeader(name, value);
    res.status(appError.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(toProblem(appError, requestId)));
  };
}
