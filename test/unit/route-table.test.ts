import type { AddressInfo } from 'node:net';
import express, { Router, type ErrorRequestHandler, type RequestHandler } from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { listRoutes, refuseUnsupportedMethods } from '../../src/http/method-not-allowed.ts';
import type { MountTarget } from '../../src/http/operation.ts';
import { literalPrefixOf, routeOperations, RouteTable } from '../../src/http/route-table.ts';
import { runInOrder } from '../../src/http/run-in-order.ts';
import { failingHandlers } from '../support/failing-handlers.ts';

const servers: Array<{ close(cb: () => void): void }> = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
});

/** The app on 127.0.0.1 and a free port; 404 and errors answer JSON with the error's status and message. */
async function serve(app: express.Express): Promise<string> {
  app.use((_req, res) => res.status(404).json({ error: 'not found' }));
  const onError: ErrorRequestHandler = (error, _req, res, _next) => {
    const { status, headers } = error as { status?: number; headers?: Record<string, string> };
    res.status(status ?? 500).set(headers ?? {}).json({ error: (error as Error).message, uriError: error instanceof URIError });
  };
  app.use(onError);
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  await new Promise((resolve) => server.once('listening', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Answers what the route saw: its label, the params and the handlers that ran before it. */
const echo =
  (name: string): RequestHandler =>
  (req, res) => {
    res.json({ name, route: (req.route as { path: string }).path, params: { ...req.params }, before: res.locals.before ?? [] });
  };
const before =
  (mark: string): RequestHandler =>
  (_req, res, next) => {
    res.locals.before = [...((res.locals.before as string[] | undefined) ?? []), mark];
    next();
  };

/** The same routes, declared on anything with Express's get/post/delete. */
function declareThings(target: Pick<MountTarget, 'get' | 'post' | 'delete'>) {
  target.get('/v1/things', echo('list'));
  target.post('/v1/things', before('limit'), echo('create'));
  target.get('/v1/things/special', echo('special'));
  target.get('/v1/things/:id', echo('get'));
  target.delete('/v1/things/:id', echo('delete'));
  target.get('/v1/things/:id/parts/:part', before('a'), before('b'), echo('part'));
}

async function answer(base: string, method: string, path: string) {
  const response = await fetch(`${base}${path}`, { method });
  const text = await response.text();
  return { status: response.status, allow: response.headers.get('allow'), length: response.headers.get('content-length'), body: text ? JSON.parse(text) : null };
}

describe('routeOperations', () => {
  const requests: Array<[string, string]> = [
    ['GET', '/v1/things'],
    ['POST', '/v1/things'],
    ['GET', '/v1/things/special'],
    ['GET', '/v1/things/abc'],
    ['GET', '/V1/Things/AbC/'],
    ['GET', '/v1/things/a%2Fb'],
    ['GET', '/v1/things/%41%42'],
    ['GET', '/v1/things/%E0%A4%A'],
    ['GET', '/v1/things/abc/parts/7'],
    ['GET', '/v1/things/abc/parts'],
    ['GET', '/v1/things/abc/extra'],
    ['GET', '/v1/things//'],
    ['DELETE', '/v1/things/abc'],
    ['HEAD', '/v1/things/abc'],
    ['PATCH', '/v1/things/abc'],
    ['POST', '/v1/things/abc'],
    ['GET', '/v1/thing'],
    ['GET', '/v2/things'],
  ];

  it('when the same routes are served by an Express router and by route tables, then every request is answered the same', async () => {
    const viaExpress = express();
    const router = Router();
    declareThings(router);
    viaExpress.use(router);
    viaExpress.use(refuseUnsupportedMethods(viaExpress));

    const viaTable = express();
    const reads = new RouteTable();
    const all = new RouteTable();
    declareThings(all);
    // Two tables: the first one's routes come first, as the tables are given.
    reads.get('/v1/things/special', echo('special'));
    viaTable.use(runInOrder(routeOperations(reads, all)));
    viaTable.use(refuseUnsupportedMethods(viaTable));

    const [expressBase, tableBase] = await Promise.all([serve(viaExpress), serve(viaTable)]);
    for (const [method, path] of requests) {
      const expected = await answer(expressBase, method, path);
      expect({ method, path, ...(await answer(tableBase, method, path)) }).toEqual({ method, path, ...expected });
    }
    // The oracle answered what the table is meant to: not everything 404.
    expect((await answer(expressBase, 'GET', '/v1/things/%41%42')).body).toMatchObject({ name: 'get', route: '/v1/things/:id', params: { id: 'AB' } });
    expect((await answer(expressBase, 'GET', '/v1/things/%E0%A4%A')).body).toMatchObject({ uriError: true });
    expect((await answer(expressBase, 'PATCH', '/v1/things/abc')).allow).toBe('GET, DELETE, HEAD');
    expect((await answer(expressBase, 'GET', '/v1/things/abc/parts/7')).body).toEqual({ name: 'part', route: '/v1/things/:id/parts/:part', params: { id: 'abc', part: '7' }, before: ['a', 'b'] });
  });

  it.each(failingHandlers)('when a route %s, then the error handler answers with its error', async (_how, failing, message) => {
    const app = express();
    const table = new RouteTable();
    table.get('/v1/failing', failing);
    app.use(routeOperations(table));
    const base = await serve(app);
    expect(await answer(base, 'GET', '/v1/failing')).toMatchObject({ status: 500, body: { error: message } });
  });

  it('when routes live in tables inside runInOrder, then listRoutes finds each with its method', () => {
    const app = express();
    const table = new RouteTable();
    table.get('/v1/x/:id', echo('x')).delete('/v1/x/:id', echo('x'));
    app.use(runInOrder(routeOperations(table)));
    expect(listRoutes(app)).toEqual([
      { path: '/v1/x/:id', methods: ['GET'] },
      { path: '/v1/x/:id', methods: ['DELETE'] },
    ]);
  });

  it('when a route is added without a handler, then adding it fails', () => {
    expect(() => new RouteTable().get('/v1/x')).toThrow(/no handler/);
  });
});

describe('literalPrefixOf', () => {
  it.each([
    ['/v1/service-accounts', '/v1/service-accounts'],
    ['/v1/Service-Accounts/:id', '/v1/service-accounts/'],
    ['/console/{*page}', '/console/'],
    ['/files/*rest', '/files/'],
    ['/a\\:b', '/a'],
  ])('when the path is %s, then its literal prefix is %s', (path, prefix) => {
    expect(literalPrefixOf(path)).toBe(prefix);
  });
});
