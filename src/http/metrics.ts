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
  return function measureRequest(req, res, next) {
    const end = metrics.httpDuration.startTimer();
    res.on('finish', () => {
      // The route template (not the raw path) keeps label cardinality bounded. Every router is
      // mounted at the root with full paths, so the template alone names the route; baseUrl is
      // not added, because an error handler mounted on a path sets it after the route ran.
      const route = req.route?.path ? String(req.route.path) : 'unmatched';
      end({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  };
}
