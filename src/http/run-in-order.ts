// Middleware that always run together, run as one: each layer Express walks costs a dispatch
// (match, params, a promise check), and the app (app.ts) walked fourteen of them before reaching
// a route. Errors leave the chain as they would leave Express's: to `next(error)`.
import type { NextFunction, Request, RequestHandler, Response } from 'express';

interface Chain {
  handlers: RequestHandler[];
  index: number;
  req: Request;
  res: Response;
  next: NextFunction;
  step: NextFunction;
}

export function runInOrder(...handlers: RequestHandler[]): RequestHandler & { handlers: RequestHandler[] } {
  const runHandlersInOrder = (req: Request, res: Response, next: NextFunction) => {
    const chain: Chain = { handlers, index: 0, req, res, next, step: next };
    // Assigned, not declared: tsx (esbuild keepNames) renames every declared closure per request.
    chain.step = (error?: unknown) => advance(chain, error);
    advance(chain);
  };
  // Carried for listRoutes (method-not-allowed.ts), which finds the routers inside.
  return Object.assign(runHandlersInOrder, { handlers });
}

function advance(chain: Chain, error?: unknown): void {
  // Anything passed on (an error, or Express's 'route'/'router'; null is no error) ends the chain, as in Express.
  if (error !== undefined && error !== null) return chain.next(error);
  const handler = chain.handlers[chain.index++];
  if (!handler) return chain.next();
  callHandler(handler, chain.req, chain.res, chain.step);
}

/** Calls a handler as Express 5 does: what it throws, or its promise rejects with, goes to `next`. */
export function callHandler(handler: RequestHandler, req: Request, res: Response, next: NextFunction): void {
  try {
    const result: unknown = handler(req, res, next);
    if (result instanceof Promise) result.catch(next);
  } catch (thrown) {
    next(thrown);
  }
}

/** `handlers`, in order, for paths at or under `prefix` (case-insensitive, as Express mounts); other paths pass by. */
export function forPathsUnder(prefix: string, ...handlers: RequestHandler[]): RequestHandler {
  const handler = handlers.length === 1 ? handlers[0]! : runInOrder(...handlers);
  const exact = prefix.toLowerCase();
  const under = `${exact}/`;
  return function forPathsUnderPrefix(req, res, next) {
    const path = req.path.toLowerCase();
    if (path === exact || path.startsWith(under)) return handler(req, res, next);
    next();
  };
}
