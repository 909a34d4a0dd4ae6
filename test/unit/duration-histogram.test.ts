import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { DurationHistogram } from '../../src/http/metrics.ts';

describe('DurationHistogram', () => {
  it('when it and a prom-client Histogram observe the same requests, then both render the same text', async () => {
    const buckets = [0.001, 0.0025, 0.5, 1];
    const help = 'Durations "by route"\\ with a\nnewline';
    const registry = new Registry();
    const reference = new Histogram({ name: 'x_seconds', help, labelNames: ['method', 'route', 'status'] as const, buckets, registers: [registry] });
    const ours = new DurationHistogram('x_seconds', help, buckets);
    const observations: Array<[string, string, number, number]> = [
      ['GET', '/v1/service-accounts/:id', 200, 0.0004],
      ['GET', '/v1/service-accounts/:id', 200, 0.001],
      ['GET', '/v1/service-accounts/:id', 200, 0.7],
      ['GET', '/v1/service-accounts/:id', 404, 0.0031],
      ['POST', '/v1/service-accounts', 201, 0.02],
      ['GET', 'unmatched', 401, 3],
      ['GET', '/odd/"quoted"\\back\nline', 200, 0.0025],
      ['GET', '/v1/service-accounts/:id', 200, 1e-7],
    ];
    for (const [method, route, status, seconds] of observations) {
      reference.observe({ method, route, status: String(status) }, seconds);
      ours.observe(method, route, status, seconds);
    }
    expect(ours.render()).toBe(await registry.metrics());
    expect(ours.render()).toContain('x_seconds_count{method="GET",route="/v1/service-accounts/:id",status="200"} 4');
  });

  it('when nothing was observed, then only its help and type are rendered, as prom-client does', async () => {
    const registry = new Registry();
    new Histogram({ name: 'y_seconds', help: 'y', labelNames: ['method', 'route', 'status'] as const, buckets: [1], registers: [registry] });
    expect(new DurationHistogram('y_seconds', 'y', [1]).render()).toBe(await registry.metrics());
  });
});
