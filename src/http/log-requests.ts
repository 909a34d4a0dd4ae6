// One log line per request, when its response is finished (or the client went away): method,
// path without the query, status and duration, at info (2xx/3xx), warn (4xx) or error (5xx).
// Never headers or bodies: headers carry tokens, queries and bodies may carry anything.
//
// Written with the root logger, not a child per request: pino-http made a child logger for every
// request, and a child of a logger with `redact` runs the redaction over its bindings; the CPU
// profile of GET /healthz (which pino-http did not even log) put 17 % of the bridge's time there.
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';

export function logRequests(logger: Logger, options: { quietPaths: string[] }): RequestHandler {
  const quiet = new Set(options.quietPaths);
  return function logRequest(req, res, next) {
    const path = req.path;
    if (quiet.has(path)) return next();
    const started = performance.now();
    res.once('close', () => {
      const status = res.statusCode;
      const line = {
        // The line is written from a socket event, outside the request's async context.
        requestId: res.locals.requestId as string,
        req: { method: req.method, path },
        res: { status },
        responseTime: Math.round(performance.now() - started),
      };
      if (!res.writableFinished) logger.warn(line, 'request aborted');
      else if (status >= 500) logger.error(line, 'request errored');
      else if (status >= 400) logger.warn(line, 'request completed');
      else logger.info(line, 'request completed');
    });
    next();
  };
}
