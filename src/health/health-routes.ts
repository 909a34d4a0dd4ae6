import type { Logger } from 'pino';
import { mount } from '../http/operation.ts';
import { RouteTable } from '../http/route-table.ts';
import type { Metrics } from '../http/metrics.ts';
import { healthOperations } from './health-operations.ts';

export interface ReadinessCheck {
  name: string;
  check: () => Promise<void>;
}

/** `isDraining`: true from SIGTERM on (main.ts); /readyz then answers 503 at once, whatever the dependencies. */
export function createHealthRoutes(checks: ReadinessCheck[], logger: Logger, metrics: Metrics, isDraining: () => boolean = () => false): RouteTable {
  const routes = new RouteTable();
  mount(routes, healthOperations.healthz, (_input, _req, res) => {
    res.json({ status: 'ok' });
  });
  mount(routes, healthOperations.metrics, async (_input, _req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.render());
  });
  mount(routes, healthOperations.readyz, async (_input, _req, res) => {
    if (isDraining()) {
      res.status(503).set('Cache-Control', 'no-store').json({ status: 'draining', checks: {} });
      return;
    }
    const results = await Promise.all(
      checks.map(async ({ name, check }) => {
        try {
          await check();
          return [name, 'up'] as const;
        } catch (error) {
          logger.warn({ err: error, check: name }, 'readiness check failed');
          return [name, 'down'] as const;
        }
      }),
    );
    const ready = results.every(([, state]) => state === 'up');
    res
      .status(ready ? 200 : 503)
      .set('Cache-Control', 'no-store')
      .json({ status: ready ? 'ready' : 'not_ready', checks: Object.fromEntries(results) });
  });
  return routes;
}
