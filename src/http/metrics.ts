import type { RequestHandler } from 'express';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';

export interface Metrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'sa_bridge_' });
  const httpDuration = new Histogram({
    name: 'sa_bridge_http_request_duration_seconds',
    help: 'HTTP request duration by route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  return { registry, httpDuration };
}

export function measureRequests(metrics: Metrics): RequestHandler {
  // One histogram child per method, route template and status, looked up by a string: prom-client
  // hashes the label object on every observation otherwise (2 % of a GET's CPU profile). The key
  // space is bounded: Node's parser knows ~35 methods, routes are templates, statuses are numbers.
  const children = new Map<string, Histogram.Internal<'method' | 'route' | 'status'>>();
  const observe = (method: string, route: string, status: number, seconds: number) => {
    const key = `${method} ${status} ${route}`;
    let child = children.get(key);
    if (!child) children.set(key, (child = metrics.httpDuration.labels({ method, route, status: String(status) })));
    child.observe(seconds);
  };
  return function measureRequest(req, res, next) {
    const started = performance.now();
    res.on('finish', () => {
      // The route template (not the raw path) keeps label cardinality bounded. Every router is
      // mounted at the root with full paths, so the template alone names the route; baseUrl is
      // not added, because an error handler mounted on a path sets it after the route ran.
      const route = req.route?.path ? String(req.route.path) : 'unmatched';
      observe(req.method, route, res.statusCode, (performance.now() - started) / 1000);
    });
    next();
  };
}
