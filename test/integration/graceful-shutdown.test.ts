// SIGTERM to a bridge process (src/main.ts) while requests are in flight, as a rolling restart
// sends it: readiness turns 503 at once, the process keeps serving through the drain delay, then
// refuses new connections while the requests it holds complete, and exits 0. Keycloak's client
// creation is delayed through a fault proxy, so the creates are surely in flight when it stops
// accepting.
import net from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BridgeProcess } from '../harness/environment.ts';
import { createBridgeDeployment, type BridgeDeployment } from '../support/bridge-deployment.ts';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.ts';
import { passwordGrant, testKeycloak } from '../support/keycloak.ts';

// Margins for a loaded machine: the checks during the delay must all happen within it, and the
// slow creates must still be in flight when it ends.
const DRAIN_DELAY_MS = 2_500;
const KEYCLOAK_DELAY_MS = 4_500;

let deployment: BridgeDeployment;
let proxy: FaultProxy;

beforeAll(async () => {
  deployment = await createBridgeDeployment('drain');
  proxy = await startFaultProxy(testKeycloak().url);
});

afterAll(async () => {
  await deployment?.remove();
  await proxy?.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether a new TCP connection to the port is accepted, or refused. */
function tryConnect(port: number): Promise<'accepted' | 'refused' | string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve('accepted');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED' ? 'refused' : String(error.code)));
  });
}

describe('graceful shutdown of a bridge process', () => {
  it('when SIGTERM arrives while creates are in flight, then /readyz is 503 and requests are still served during the drain delay, new connections are refused afterwards, every create completes and is audited, and the exit code is 0', async () => {
    const realm = deployment.tenant.realm;
    const bridge: BridgeProcess = await deployment.start({
      KEYCLOAK_URL: proxy.url,
      // Tokens are issued by the real server; only the bridge's own calls pass the proxy.
      KEYCLOAK_PUBLIC_URL: testKeycloak().url,
      SHUTDOWN_DRAIN_DELAY_MS: String(DRAIN_DELAY_MS),
      LOG_LEVEL: 'info',
      // Background work runs during the shutdown too, and must stop by itself.
      JOBS_INTERVAL_MS: '300',
      RECONCILE_INTERVAL_MS: '500',
    });
    const port = Number(new URL(bridge.baseUrl).port);
    const headers = { authorization: `Bearer ${(await passwordGrant(realm, 'alice')).access_token}`, 'content-type': 'application/json' };
    const create = async (name: string) => {
      const response = await fetch(`${bridge.baseUrl}/v1/service-accounts`, { method: 'POST', headers, body: JSON.stringify({ name }) });
      return { name, status: response.status, body: (await response.json()) as { id?: string }, connection: response.headers.get('connection'), at: performance.now() };
    };

    const isClientCreation = (method: string, path: string) => method === 'POST' && path === `/admin/realms/${realm}/clients`;
    proxy.add({ match: isClientCreation, mode: 'delay', delayMs: KEYCLOAK_DELAY_MS, times: 4 });
    const slow = ['slow-a', 'slow-b', 'slow-c', 'slow-d'].map(create);
    // In flight for certain: each has reached Keycloak's client creation.
    while (proxy.seen.filter((line) => line === `POST /admin/realms/${realm}/clients`).length < 4) await sleep(20);
    const signalled = performance.now();
    bridge.child.kill('SIGTERM');
    const since = () => performance.now() - signalled;

    await sleep(200);
    const [readiness, list, duringDelay, connection] = await Promise.all([
      fetch(`${bridge.baseUrl}/readyz`),
      fetch(`${bridge.baseUrl}/v1/service-accounts`, { headers }),
      create('during-delay'),
      tryConnect(port),
    ]);
    const acceptedUntil = since();
    expect(readiness.status).toBe(503);
    expect(await readiness.json()).toEqual({ status: 'draining', checks: {} });
    expect(list.status).toBe(200);
    expect(list.headers.get('connection')).toBe('close');
    await list.body?.cancel();
    expect(duringDelay).toMatchObject({ status: 201, connection: 'close' });
    expect(connection).toBe('accepted');

    let refusedAt: number | undefined;
    while (refusedAt === undefined && since() < DRAIN_DELAY_MS + 5_000) {
      if ((await tryConnect(port)) === 'refused') refusedAt = since();
      else await sleep(25);
    }
    const runningWhenRefused = bridge.child.exitCode === null;
    const finished = await Promise.all(slow);
    const exitCode = await bridge.exited;
    const exitedAt = since();
    console.log(
      `[drain] accepted until ${acceptedUntil.toFixed(0)} ms, refused from ${refusedAt?.toFixed(0)} ms, ` +
        `slow creates done at ${finished.map((f) => (f.at - signalled).toFixed(0)).join('/')} ms, exit ${exitCode} at ${exitedAt.toFixed(0)} ms after SIGTERM`,
    );

    expect(refusedAt).toBeDefined();
    expect(refusedAt!).toBeGreaterThanOrEqual(DRAIN_DELAY_MS - 50);
    expect(runningWhenRefused).toBe(true);
    for (const result of finished) {
      expect(result, JSON.stringify(result.body)).toMatchObject({ status: 201, connection: 'close' });
      // Still in flight when the listener closed, and answered afterwards.
      expect(result.at - signalled).toBeGreaterThan(refusedAt!);
    }
    expect(exitCode).toBe(0);
    expect(exitedAt).toBeLessThan(DRAIN_DELAY_MS + KEYCLOAK_DELAY_MS + 3_000);
    const output = bridge.output.join('');
    expect(output).toMatch(/"msg":"stopped"/);
    expect(output).not.toMatch(/hard stop/);

    // Every create answered 201 has its audit event: written before the database closed.
    const db = new pg.Client({ connectionString: deployment.databaseUrl });
    await db.connect();
    try {
      const ids = [...finished, duringDelay].map((result) => result.body.id!);
      const { rows } = await db.query<{ count: string }>(
        "SELECT count(*) FROM audit_events WHERE action = 'service_account.created' AND outcome = 'success' AND target_id = ANY($1)",
        [ids],
      );
      expect(Number(rows[0]!.count)).toBe(ids.length);
    } finally {
      await db.end();
    }
  });
});
