// RFC 9110 section 15.5.6: a known path with a method it does not support is 405 with an `Allow`
// header, not 404. The known routes are read once from the app's own router, so nothing is
// declared twice.
import type { Express, RequestHandler } from 'express';
import { match } from 'path-to-regexp';
import { AppError } from '../errors/app-error.ts';

interface KnownRoute {
  matches: (path: string) => boolean;
  methods: string[];
}

interface RouterLayer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle?: Handle;
}

/** A router (stack), routeFeatures (routers), runInOrder (handlers) or routeOperations (tables): see feature-router.ts, run-in-order.ts, route-table.ts. */
interface Handle {
  stack?: RouterLayer[];
  routers?: Handle[];
  handlers?: Handle[];
  tables?: Array<{ routes: Array<{ path: string; method: string }> }>;
}

/** Every route of the app with its methods (routers and route tables hold full paths, directly or inside runInOrder, routeFeatures and routeOperations). */
export function listRoutes(app: Express): Array<{ path: string; methods: string[] }> {
  const routes: Array<{ path: string; methods: string[] }> = [];
  const walk = (stack: RouterLayer[] | undefined) => {
    for (const layer of stack ?? []) {
      if (layer.route) {
        const methods = Object.keys(layer.route.methods).filter((m) => m !== '_all').map((m) => m.toUpperCase());
        for (const path of [layer.route.path].flat()) routes.push({ path, methods });
      } else if (layer.handle) walkHandle(layer.handle);
    }
  };
  const walkHandle = (handle: Handle) => {
    walk(handle.stack);
    for (const table of handle.tables ?? []) for (const route of table.routes) routes.push({ path: route.path, methods: [route.method] });
    for (const inner of [...(handle.routers ?? []), ...(handle.handlers ?? [])]) walkHandle(inner);
  };
  walk((app as unknown as { router: { stack: RouterLayer[] } }).router.stack);
  return routes;
}

function compileRoutes(routes: Array<{ path: string; methods: string[] }>): KnownRoute[] {
  const byPath = new Map<string, Set<string>>();
  for (const route of routes) byPath.set(route.path, new Set([...(byPath.get(route.path) ?? []), ...route.methods]));
  return [...byPath].map(([path, methods]) => {
    const matcher = match(path, { decode: false });
    return { matches: (candidate: string) => matcher(candidate) !== false, methods: [...methods] };
  });
}

export function refuseUnsupportedMethods(app: Express): RequestHandler {
  let known: KnownRoute[] | undefined;
  return function methodNotAllowed(req, _res, next) {
    known ??= compileRoutes(listRoutes(app));
    const methods = [...new Set(known.filter((route) => route.matches(req.path)).flatMap((route) => route.methods))];
    if (methods.length === 0 || methods.includes(req.method)) {
      next();
      return;
    }
    if (methods.includes('GET') && !methods.includes('HEAD')) methods.push('HEAD');
    next(new AppError('method_not_allowed', `${req.method} is not supported here; use ${methods.join(', ')}`, { headers: { Allow: methods.join(', ') } }));
  };
}
