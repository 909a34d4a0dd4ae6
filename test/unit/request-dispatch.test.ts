import type { AddressInfo } from 'node:net';
import express, { Router, type ErrorRequestHandler, type RequestHandler } from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { routeFeatures, staticPrefixesOf } from '../../src/http/feature-router.ts';
import { listRoutes, refuseUnsupportedMethods } from '../../src/http/method-not-allowed.ts';
import { forPathsUnder, runInOrder } from '../../src/http/run-in-order.ts';
import { failingHandlers } from '../support/failing-handlers.ts';

const servers: Array<{ close(cb: () => void): void }> = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
});

/** The app on 127.0.0.1 and a free port; the error handler answers 500 with the error's message. */
async function serve(app: express.Express): Promise<string> {
  const onError: ErrorRequestHandler = (error, _req, res, _next) => {
    const { status, headers } = error as { status?: number; headers?: Record<string, string> };
    res.status(status ?? 500).set(headers ?? {}).json({ error: (error as Error).message });
  };
  app.use(onError);
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  await new Promise((resolve) => server.once('listening', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('runInOrder', () => {
  const mark =
    (name: string): RequestHandler =>
    (_req, res, next) => {
      res.locals.seen = [...((res.locals.seen as string[] | undefined) ?? []), name];
      next();
    };

  it('when every handler calls next, then they run in order and the route after them answers', async () => {
    const app = express();
    app.use(runInOrder(mark('a'), mark('b'), async (_req, res, next) => ((res.locals.seen as string[]).push('c'), next())));
    app.get('/x', (_req, res) => res.json(res.locals.seen));
    const base = await serve(app);
    expect(await (await fetch(`${base}/x`)).json()).toEqual(['a', 'b', 'c']);
  });

  it.each(failingHandlers)('when a handler %s, then the rest of the chain and the route are skipped and the error handler answers', async (_how, failing, message) => {
    const app = express();
    let after = 0;
    app.use(runInOrder(mark('a'), failing, () => (after += 1)));
    app.get('/x', () => (after += 1));
    const base = await serve(app);
    const response = await fetch(`${base}/x`);
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ error: message });
    expect(after).toBe(0);
  });
});

describe('forPathsUnder', () => {
  it.each([
    ['/v1', true],
    ['/V1/me', true],
    ['/v1/service-accounts/x', true],
    ['/v10/me', false],
    ['/healthz', false],
  ])('when the path is %s, then the handler runs: %s', async (path, runs) => {
    const app = express();
    app.use(runInOrder(forPathsUnder('/v1', (_req, res, next) => ((res.locals.ran = true), next()))));
    app.use((_req, res) => res.json({ ran: res.locals.ran === true }));
    const base = await serve(app);
    expect(await (await fetch(`${base}${path}`)).json()).toEqual({ ran: runs });
  });
});

describe('routeFeatures', () => {
  it('when a router has literal, parameter, wildcard and mounted paths, then its prefixes are their literal starts, lower-cased', () => {
    const router = Router();
    router.get('/v1/Service-Accounts', () => undefined);
    router.get('/v1/service-accounts/:id/api-keys', () => undefined);
    router.get(['/console/', '/console/{*page}'], () => undefined);
    router.use('/docs/assets', () => undefined);
    expect(staticPrefixesOf(router).sort()).toEqual(['/console/', '/docs/assets', '/v1/service-accounts', '/v1/service-accounts/'].sort());
  });

  it('when a path is outside a router, then that router is never entered; a path under it in any case is routed there', async () => {
    const entered: string[] = [];
    // Each router wrapped so that entering it (not only reaching one of its routes) is seen.
    const counted = (name: string, router: Router) =>
      Object.assign((...args: Parameters<Router>) => (entered.push(name), router(...args)), { stack: router.stack }) as unknown as Router;
    const first = Router();
    first.get('/first/items/:id', (req, res) => res.json({ from: 'first', id: req.params.id }));
    const second = Router();
    second.get('/second', (_req, res) => res.json({ from: 'second' }));
    const app = express();
    app.use(routeFeatures(counted('first', first), counted('second', second)));
    app.use((_req, res) => res.status(404).json({ from: 'not found' }));
    const base = await serve(app);

    expect(await (await fetch(`${base}/second`)).json()).toEqual({ from: 'second' });
    expect(entered).toEqual(['second']);
    entered.length = 0;
    expect(await (await fetch(`${base}/FIRST/Items/7`)).json()).toEqual({ from: 'first', id: '7' });
    expect(entered).toEqual(['first']);
    entered.length = 0;
    const missing = await fetch(`${base}/elsewhere`);
    expect([missing.status, await missing.json()]).toEqual([404, { from: 'not found' }]);
    expect(entered).toEqual([]);
  });

  it('when the first router with a matching prefix does not answer, then the next one with a matching prefix is tried', async () => {
    const reads = Router();
    reads.get('/things', (_req, res) => res.json({ from: 'reads' }));
    const writes = Router();
    writes.post('/things', (_req, res) => res.status(201).json({ from: 'writes' }));
    const app = express();
    app.use(routeFeatures(reads, writes));
    const base = await serve(app);
    const created = await fetch(`${base}/things`, { method: 'POST' });
    expect([created.status, await created.json()]).toEqual([201, { from: 'writes' }]);
    expect(await (await fetch(`${base}/things`)).json()).toEqual({ from: 'reads' });
  });

  it('when routes live in routers behind routeFeatures inside runInOrder, then listRoutes finds them and a wrong method is 405 with Allow', async () => {
    const router = Router();
    router.get('/things/:id', (_req, res) => res.json({}));
    router.delete('/things/:id', (_req, res) => res.status(204).end());
    const app = express();
    app.use(runInOrder(forPathsUnder('/things', (_req, _res, next) => next()), routeFeatures(router)));
    app.use(refuseUnsupportedMethods(app));
    expect(listRoutes(app)).toEqual([{ path: '/things/:id', methods: ['GET'] }, { path: '/things/:id', methods: ['DELETE'] }]);
    const base = await serve(app);
    const response = await fetch(`${base}/things/1`, { method: 'PATCH' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, DELETE, HEAD');
  });
});
