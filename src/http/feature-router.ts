// Each feature's router is mounted at the root with full paths, and Express tries every one in
// turn: a router that has no route for the path still runs its own dispatch loop over all of its
// routes, and leaves through a setImmediate. With ten feature routers ahead of it, that walk was a
// quarter of the CPU profile of GET /v1/service-accounts/{id} (router, express, path-to-regexp,
// parseurl). Here each router is entered only for paths under one of its routes' static
// prefixes, which Express would otherwise have had to reject one route at a time.
import type { NextFunction, Request, RequestHandler, Response, Router } from 'express';
import { literalPrefixOf } from './route-table.ts';

interface RouterLayer {
  rawPath?: unknown;
  route?: { path: unknown };
}

/**
 * One middleware for several feature routers, tried in the order given: each is entered only when
 * the path is under one of its static prefixes, and the next one is tried when it does not answer.
 */
export function routeFeatures(...routers: Router[]): RequestHandler & { routers: Router[] } {
  let prefixes: string[][] | undefined;
  const routeToFeature = (req: Request, res: Response, next: NextFunction) => {
    // Read at the first request, when every route has been added.
    prefixes ??= routers.map(staticPrefixesOf);
    // Express routing is case-insensitive (the default this app keeps), so the comparison is too.
    enterFeatureFrom(0, routers, prefixes, req.path.toLowerCase(), req, res, next);
  };
  return Object.assign(routeToFeature, { routers });
}

function enterFeatureFrom(start: number, routers: Router[], prefixes: string[][], path: string, req: Request, res: Response, next: NextFunction): void {
  for (let i = start; i < routers.length; i += 1) {
    if (prefixes[i]!.some((prefix) => path.startsWith(prefix))) {
      // When this router does not answer, the next one whose prefixes match is tried.
      routers[i]!(req, res, (error?: unknown) => (error !== undefined && error !== null ? next(error) : enterFeatureFrom(i + 1, routers, prefixes, path, req, res, next)));
      return;
    }
  }
  next();
}

/**
 * The literal start of every path the router serves (routes and mounted middleware), lower-cased:
 * everything before the first parameter, wildcard, optional group or escape of path-to-regexp's
 * syntax. A path that does not start with one of them cannot match any of the router's layers.
 */
export function staticPrefixesOf(router: Router): string[] {
  const prefixes = new Set<string>();
  for (const layer of router.stack as unknown as RouterLayer[]) {
    const paths = [layer.route ? layer.route.path : layer.rawPath].flat(Infinity);
    for (const path of paths) {
      if (typeof path !== 'string') throw new Error('routeFeatures: a route path that is not a string (a RegExp?) has no static prefix');
      prefixes.add(literalPrefixOf(path));
    }
  }
  return [...prefixes];
}
