// The API's operations are dispatched from a table of their own rather than from Express routers.
// An Express router walks its layers one by one (a regex, a params object and a closure per
// layer), then its route's own stack, and decodes and re-checks on the way: with the prefix
// check in front (feature-router.ts) that dispatch was still about a tenth of the CPU profile of
// GET /v1/service-accounts/{id}. Here a request tests only the routes of its method whose literal
// prefix it starts with, and calls the matched route's handlers in order.
//
// What a route gets is what Express would give it: `req.params` decoded (a malformed percent
// sequence is a URIError with status 400, as Express raises it), `req.route.path` (the metrics'
// label), HEAD served by GET, errors and rejected promises passed to `next`. A path that no route
// matches, or matches with another method, passes on to the 405 and 404 handlers.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { match, type MatchFunction } from 'path-to-regexp';
import { callHandler, runInOrder } from './run-in-order.ts';

export interface TableRoute {
  /** Upper-case, as `req.method`. */
  method: string;
  /** The Express path, e.g. `/v1/service-accounts/:id`. */
  path: string;
  handler: RequestHandler;
}

interface CompiledRoute {
  prefix: string;
  matchPath: MatchFunction<Record<string, string>>;
  /** What `req.route` is while the route runs: its path is the metrics' route label. */
  info: { path: string };
  handler: RequestHandler;
}

/** Routes added by `mount` (operation.ts): one feature's operations, in the order they were mounted. */
export class RouteTable {
  readonly routes: TableRoute[] = [];

  get(path: string, ...handlers: RequestHandler[]): this {
    return this.add('GET', path, handlers);
  }

  post(path: string, ...handlers: RequestHandler[]): this {
    return this.add('POST', path, handlers);
  }

  patch(path: string, ...handlers: RequestHandler[]): this {
    return this.add('PATCH', path, handlers);
  }

  delete(path: string, ...handlers: RequestHandler[]): this {
    return this.add('DELETE', path, handlers);
  }

  private add(method: string, path: string, handlers: RequestHandler[]): this {
    if (handlers.length === 0) throw new Error(`RouteTable: ${method} ${path} has no handler`);
    this.routes.push({ method, path, handler: handlers.length === 1 ? handlers[0]! : runInOrder(...handlers) });
    return this;
  }
}

/** One middleware for the routes of several tables, tried in the order the tables and their routes were given. */
export function routeOperations(...tables: RouteTable[]): RequestHandler & { tables: RouteTable[] } {
  let byMethod: Map<string, CompiledRoute[]> | undefined;
  const routeOperation = (req: Request, res: Response, next: NextFunction) => {
    // Compiled at the first request, when every feature has mounted its operations.
    byMethod ??= compileRoutes(tables.flatMap((table) => table.routes));
    const candidates = byMethod.get(req.method === 'HEAD' ? 'GET' : req.method);
    if (!candidates) return next();
    const path = req.path;
    // Express routing is case-insensitive (the default this app keeps), so the prefix check is too.
    const lowerPath = path.toLowerCase();
    for (const route of candidates) {
      if (!lowerPath.startsWith(route.prefix)) continue;
      let found;
      try {
        found = route.matchPath(path);
      } catch (error) {
        // decodeParam's URIError: the error handler answers 400 invalid_request.
        return next(error);
      }
      if (!found) continue;
      req.params = found.params;
      (req as { route?: unknown }).route = route.info;
      return callHandler(route.handler, req, res, next);
    }
    next();
  };
  return Object.assign(routeOperation, { tables });
}

function compileRoutes(routes: TableRoute[]): Map<string, CompiledRoute[]> {
  const byMethod = new Map<string, CompiledRoute[]>();
  for (const route of routes) {
    let ofMethod = byMethod.get(route.method);
    if (!ofMethod) byMethod.set(route.method, (ofMethod = []));
    ofMethod.push({
      prefix: literalPrefixOf(route.path),
      // Express's defaults: case-insensitive, an optional trailing slash, the whole path.
      matchPath: match<Record<string, string>>(route.path, { decode: decodeParam, sensitive: false, trailing: true, end: true }),
      info: { path: route.path },
      handler: route.handler,
    });
  }
  return byMethod;
}

/** Everything before the first parameter, wildcard, optional group or escape, lower-cased. */
export function literalPrefixOf(path: string): string {
  return path.split(/[:*{(\\]/, 1)[0]!.toLowerCase();
}

/** As Express's router decodes a parameter: unchanged without '%', else a URIError with status 400. */
function decodeParam(value: string): string {
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch (error) {
    if (error instanceof URIError) Object.assign(error, { message: `Failed to decode param '${value}'`, status: 400, statusCode: 400 });
    throw error;
  }
}
