// The HTTP side of a graceful shutdown, on a real Node server and a keep-alive client.
import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createServerDrain, type ServerDrain } from '../../src/http/server-drain.ts';

interface Started {
  server: http.Server;
  drain: ServerDrain;
  port: number;
  agent: http.Agent;
}

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** A server whose requests answer after `?ms=` milliseconds, with Node's keep-alive timeout set long (65 s, as main.ts). */
async function start(): Promise<Started> {
  const server = http.createServer((req, res) => {
    const ms = Number(new URL(req.url!, 'http://x').searchParams.get('ms') ?? 0);
    setTimeout(() => res.end('ok'), ms);
  });
  server.keepAliveTimeout = 65_000;
  const drain = createServerDrain();
  drain.attach(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const agent = new http.Agent({ keepAlive: true, maxSockets: 10 });
  cleanups.push(() => {
    agent.destroy();
    server.closeAllConnections();
    server.close();
  });
  return { server, drain, port: (server.address() as AddressInfo).port, agent };
}

function get(target: Started, path: string): Promise<{ status: number; headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port: target.port, path, agent: target.agent }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers }));
      })
      .on('error', reject);
  });
}

describe('createServerDrain', () => {
  it('when draining begins while a request is in flight on a keep-alive connection, then it completes with Connection: close and close() resolves without waiting for the keep-alive timeout', async () => {
    const target = await start();
    expect((await get(target, '/')).headers.connection).toBe('keep-alive');
    const inFlight = get(target, '/?ms=300');
    await new Promise((resolve) => setTimeout(resolve, 50));
    target.drain.begin();
    expect(target.drain.draining).toBe(true);
    const started = performance.now();
    const closing = target.drain.close(10_000);
    const answer = await inFlight;
    expect(answer.status).toBe(200);
    expect(answer.headers.connection).toBe('close');
    expect(await closing).toEqual({ unfinished: 0 });
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('when draining, then a new request on an idle keep-alive connection is answered with Connection: close, and once closed new connections are refused', async () => {
    const target = await start();
    expect((await get(target, '/')).headers.connection).toBe('keep-alive');
    target.drain.begin();
    const during = await get(target, '/');
    expect(during.status).toBe(200);
    expect(during.headers.connection).toBe('close');
    await target.drain.close(1_000);
    await expect(get(target, '/')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('when a request outlasts the timeout, then its connection is closed at the timeout and it is counted unfinished', async () => {
    const target = await start();
    const slow = get(target, '/?ms=5000').catch((error: NodeJS.ErrnoException) => error.code);
    await new Promise((resolve) => setTimeout(resolve, 50));
    target.drain.begin();
    const started = performance.now();
    expect(await target.drain.close(300)).toEqual({ unfinished: 1 });
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(await slow).toBe('ECONNRESET');
  });
});
