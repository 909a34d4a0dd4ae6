// Issue 17: a rolling restart fails no request. Three bridge processes (src/main.ts) share one
// PostgreSQL database, one SERVER_ENCRYPTION_KEY and the Keycloak, behind a round-robin balancer
// that probes /readyz (test/support/round-robin-proxy.ts) and never retries. A mixed load runs
// through it for about a minute while each replica in turn gets SIGTERM, exits, and starts again.
// Every response must have the expected status, every successful mutation its audit event, an
// idempotent create retried on another replica must be replayed, and each scheduled rotation due
// during the run must happen exactly once.
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BridgeProcess } from '../harness/environment.ts';
import { createBridgeDeployment, type BridgeDeployment } from '../support/bridge-deployment.ts';
import { freePort } from '../support/free-port.ts';
import { createRawClient, tryClientCredentials } from '../support/keycloak-inspect.ts';
import { passwordGrant } from '../support/keycloak.ts';
import { startRoundRobinProxy, type RoundRobinProxy } from '../support/round-robin-proxy.ts';

const REPLICAS = 3;
const WORKERS = 4;
const LOAD_MS = 60_000;
/** When each replica is restarted, from the start of the load. */
const RESTART_AT_MS = [6_000, 22_000, 38_000];
/** Scheduled rotations falling due during the load, before, during and after the restarts. */
const ROTATION_DUE_AT_MS = [3_000, 9_000, 16_000, 25_000, 31_000, 41_000, 48_000, 54_000];
// Ten probe intervals: the balancer stops routing to a draining replica well before it stops accepting.
const DRAIN_DELAY_MS = 2_000;
const AUDIENCE = 'billing-api';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitUntil(what: string, done: () => boolean, limitMs = 60_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`not within ${limitMs} ms: ${what}`);
    await sleep(50);
  }
}

let deployment: BridgeDeployment;
let proxy: RoundRobinProxy | undefined;
let sql: pg.Client;
const replicas: BridgeProcess[] = [];
/** Every process started, also the stopped ones: their output is checked for secrets. */
const started: BridgeProcess[] = [];

beforeAll(async () => {
  deployment = await createBridgeDeployment('rolling');
  await createRawClient(deployment.tenant.realm, { clientId: AUDIENCE, publicClient: false, standardFlowEnabled: false, directAccessGrantsEnabled: false });
  sql = new pg.Client({ connectionString: deployment.databaseUrl });
  await sql.connect();
});

afterAll(async () => {
  await proxy?.close();
  await sql?.end();
  // Stops the replicas still running, then drops the database and removes the realm.
  await deployment?.remove();
});

describe('rolling restart', () => {
  it(
    'when each of three replicas behind a balancer is restarted in turn under a mixed load, then no request fails, every mutation is audited, an idempotent retry on another replica is replayed, and each due rotation happens once',
    async () => {
      const realm = deployment.tenant.realm;
      const ports = await Promise.all(Array.from({ length: REPLICAS }, () => freePort()));
      const environment = (slot: number) => ({
        PORT: String(ports[slot]),
        SHUTDOWN_DRAIN_DELAY_MS: String(DRAIN_DELAY_MS),
        JOBS_INTERVAL_MS: '1000',
        // One caller makes the whole load: its limits would answer 429 (load-shedding.test.ts covers them).
        EXCHANGE_RATE_LIMIT_PER_MINUTE: '100000',
        MUTATION_RATE_LIMIT_PER_MINUTE: '100000',
        LOG_LEVEL: 'info',
      });
      const startReplica = async (slot: number) => {
        const bridge = await deployment.start(environment(slot));
        replicas[slot] = bridge;
        started.push(bridge);
        return bridge;
      };
      // Settled, not Promise.all: a failed start must not leave the others starting unwatched.
      const starts = await Promise.allSettled(Array.from({ length: REPLICAS }, (_, slot) => startReplica(slot)));
      for (const start of starts) if (start.status === 'rejected') throw start.reason;
      proxy = await startRoundRobinProxy(replicas.map((r) => r.baseUrl), { probeIntervalMs: 200 });
      const balancer = proxy;
      await waitUntil('every replica is ready at the balancer', () => balancer.backends.every((b) => b.ready));

      const alice = { authorization: `Bearer ${(await passwordGrant(realm, 'alice')).access_token}`, 'content-type': 'application/json' };
      const root = { authorization: `Bearer ${(await passwordGrant('platform', 'root')).access_token}`, 'content-type': 'application/json' };
      const secrets: string[] = [];

      // What the bridge must have audited: SA ids per action (with repeats), and exchanges.
      const expected = { created: [] as string[], updated: [] as string[], regenerated: [] as string[], deleted: [] as string[], exchanged: 0 };
      const call = async (base: string, method: string, path: string, options: { body?: unknown; headers?: Record<string, string> } = {}) => {
        const response = await fetch(`${base}${path}`, {
          method,
          headers: { ...alice, ...options.headers },
          body: options.body === undefined ? undefined : JSON.stringify(options.body),
          signal: AbortSignal.timeout(30_000),
        });
        const text = await response.text();
        const json = response.headers.get('content-type')?.includes('json');
        return { status: response.status, headers: response.headers, body: json ? JSON.parse(text) : text };
      };

      // The tenant may exchange for billing-api; the exchanging SA's token is the subject token.
      const policy = await fetch(`${balancer.url}/v1/tenants/${realm}/policy`, { method: 'PATCH', headers: root, body: JSON.stringify({ allowed_audiences: [AUDIENCE] }) });
      expect(policy.status, await policy.text()).toBe(200);
      const exchanger = await call(balancer.url, 'POST', '/v1/service-accounts', { body: { name: 'exchanger' } });
      expect(exchanger.status).toBe(201);
      expected.created.push(exchanger.body.id);
      secrets.push(exchanger.body.client_secret);
      const grant = await tryClientCredentials(realm, exchanger.body.client_id, exchanger.body.client_secret);
      expect(grant.status).toBe(200);
      const subjectToken = grant.token!;
      secrets.push(subjectToken);
      const exchangeForm = new URLSearchParams({
        grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
        subject_token: subjectToken,
        subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
        audience: AUDIENCE,
      }).toString();
      const exchange = async (base: string) => {
        const response = await fetch(`${base}/v1/token-exchange`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: exchangeForm,
          signal: AbortSignal.timeout(30_000),
        });
        const text = await response.text();
        const body = (response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : { text }) as { access_token?: string };
        if (body.access_token) secrets.push(body.access_token);
        return { status: response.status, body };
      };
      // Each replica serves the new policy before the load starts (a replica caches it 5 s at most).
      for (const replica of replicas) {
        const deadline = Date.now() + 10_000;
        while ((await exchange(replica.baseUrl)).status !== 200) {
          if (Date.now() > deadline) throw new Error(`${replica.baseUrl} refuses the exchange`);
          await sleep(250);
        }
        expected.exchanged += 1;
      }

      // SAs with scheduled rotation whose next rotation is moved into the load's minute.
      const rotating: Array<{ id: string; dueAt: Date }> = [];
      for (let i = 0; i < ROTATION_DUE_AT_MS.length; i += 1) {
        const created = await call(balancer.url, 'POST', '/v1/service-accounts', { body: { name: `rotating-${i}`, rotation: { enabled: true, interval_days: 1 } } });
        expect(created.status).toBe(201);
        expected.created.push(created.body.id);
        secrets.push(created.body.client_secret);
        rotating.push({ id: created.body.id, dueAt: new Date(0) });
      }
      const loadStart = Date.now();
      for (const [i, sa] of rotating.entries()) {
        sa.dueAt = new Date(loadStart + ROTATION_DUE_AT_MS[i]!);
        await sql.query('UPDATE service_accounts SET next_rotation_at = $2 WHERE id = $1', [sa.id, sa.dueAt]);
      }

      // The load: each worker works on SAs of its own, so that no answer depends on another worker.
      type Outcome = { op: string; status: number; expected: number; at: number; detail?: string };
      const outcomes: Outcome[] = [];
      let loadOver = false;
      const record = (op: string, status: number, wanted: number, detail?: unknown) => {
        outcomes.push({ op, status, expected: wanted, at: Date.now() - loadStart, ...(status !== wanted && { detail: JSON.stringify(detail).slice(0, 300) }) });
        return status === wanted;
      };
      const worker = async (w: number) => {
        const own: string[] = [];
        let n = 0;
        while (!loadOver) {
          const roll = Math.random();
          const target = own[Math.floor(Math.random() * own.length)];
          try {
            if (own.length < 3 || roll < 0.15) {
              const created = await call(balancer.url, 'POST', '/v1/service-accounts', { body: { name: `w${w}-${(n += 1)}` } });
              if (record('create', created.status, 201, created.body)) {
                own.push(created.body.id);
                expected.created.push(created.body.id);
                secrets.push(created.body.client_secret);
              }
            } else if (roll < 0.35) {
              const read = await call(balancer.url, 'GET', `/v1/service-accounts/${target}`);
              record('read', read.status, 200, read.body);
            } else if (roll < 0.47) {
              const list = await call(balancer.url, 'GET', '/v1/service-accounts?limit=20');
              record('list', list.status, 200, list.body);
            } else if (roll < 0.62) {
              const updated = await call(balancer.url, 'PATCH', `/v1/service-accounts/${target}`, { body: { description: `update ${randomUUID()}` } });
              if (record('update', updated.status, 200, updated.body)) expected.updated.push(target!);
            } else if (roll < 0.72) {
              const rotated = await call(balancer.url, 'POST', `/v1/service-accounts/${target}/regenerate-secret`, { body: {} });
              if (record('regenerate', rotated.status, 200, rotated.body)) {
                expected.regenerated.push(target!);
                secrets.push(rotated.body.client_secret);
              }
            } else if (roll < 0.9) {
              const exchanged = await exchange(balancer.url);
              if (record('exchange', exchanged.status, 200, exchanged.body)) expected.exchanged += 1;
            } else {
              const deleted = await call(balancer.url, 'DELETE', `/v1/service-accounts/${target}`);
              if (record('delete', deleted.status, 204, deleted.body)) {
                expected.deleted.push(target!);
                own.splice(own.indexOf(target!), 1);
              }
            }
          } catch (error) {
            // A timeout or a broken connection: a failed request like any other.
            record('error', 0, 1, String(error));
          }
        }
      };

      // Each replica in turn: SIGTERM, wait for its exit, start it again on its port.
      const restarts: Array<{ slot: number; exitCode: number | null; stoppedMs: number; readyAgainMs: number; routedBefore: number }> = [];
      let replay: { first: Awaited<ReturnType<typeof call>>; retry: Awaited<ReturnType<typeof call>> } | undefined;
      const restartAll = async () => {
        for (const [slot, at] of RESTART_AT_MS.entries()) {
          await sleep(Math.max(0, loadStart + at - Date.now()));
          const signalled = Date.now();
          const old = replicas[slot]!;
          old.child.kill('SIGTERM');
          const exitCode = await old.exited;
          await old.stop();
          const stoppedMs = Date.now() - signalled;
          await startReplica(slot);
          await waitUntil(`replica ${slot} is ready again at the balancer`, () => balancer.backends[slot]!.ready);
          restarts.push({ slot, exitCode, stoppedMs, readyAgainMs: Date.now() - signalled, routedBefore: balancer.backends[slot]!.routed });
          if (slot === 0) {
            // An idempotent create answered by one replica and retried (the client never saw the
            // answer) on another, the restarted one: replayed, one SA.
            const key = randomUUID();
            const body = { name: `idempotent-${randomBytes(3).toString('hex')}` };
            const first = await call(replicas[1]!.baseUrl, 'POST', '/v1/service-accounts', { body, headers: { 'Idempotency-Key': key } });
            const retry = await call(replicas[0]!.baseUrl, 'POST', '/v1/service-accounts', { body, headers: { 'Idempotency-Key': key } });
            replay = { first, retry };
            if (first.status === 201) {
              expected.created.push(first.body.id);
              secrets.push(first.body.client_secret);
            }
          }
        }
      };

      const workers = Array.from({ length: WORKERS }, (_, w) => worker(w));
      try {
        await restartAll();
        await sleep(Math.max(0, loadStart + LOAD_MS - Date.now()));
      } finally {
        loadOver = true;
        await Promise.all(workers);
      }
      const loadMs = Date.now() - loadStart;

      // Rotations due late in the run: the jobs run every second on each replica.
      const rotatedOnce = async () => {
        const { rows } = await sql.query<{ id: string; scheduled: string }>(
          `SELECT target_id AS id, count(*) AS scheduled FROM audit_events
           WHERE action = 'service_account.secret_regenerated' AND outcome = 'success' AND details->>'trigger' = 'scheduled' AND target_id = ANY($1)
           GROUP BY target_id`,
          [rotating.map((sa) => sa.id)],
        );
        return new Map(rows.map((row) => [row.id, Number(row.scheduled)]));
      };
      const rotationDeadline = Date.now() + 15_000;
      while ((await rotatedOnce()).size < rotating.length && Date.now() < rotationDeadline) await sleep(500);

      // Every replica stops cleanly: buffered audit events (exchanges) are written on the way out.
      const finalExits = await Promise.all(replicas.map((replica) => replica.stop()));

      const failed = outcomes.filter((o) => o.status !== o.expected);
      const perOp = new Map<string, number>();
      for (const outcome of outcomes) perOp.set(outcome.op, (perOp.get(outcome.op) ?? 0) + 1);
      const byOp = [...perOp].map(([op, count]) => `${op} ${count}`);
      console.log(
        `[rolling] ${outcomes.length} requests in ${(loadMs / 1000).toFixed(1)} s (${byOp.join(', ')}), ${failed.length} failed; ` +
          `routed ${balancer.backends.map((b) => b.routed).join('/')}; ` +
          `restarts ${restarts.map((r) => `#${r.slot} exit ${r.exitCode} stopped ${r.stoppedMs} ms, ready again ${r.readyAgainMs} ms`).join('; ')}`,
      );
      expect(failed, JSON.stringify(failed.slice(0, 10))).toEqual([]);
      expect(balancer.failures).toEqual([]);
      expect(restarts.map((r) => r.exitCode)).toEqual([0, 0, 0]);
      expect(finalExits).toEqual([0, 0, 0]);
      expect(outcomes.filter((o) => o.op !== 'error').length).toBeGreaterThan(100);
      // Each restarted replica served requests again.
      for (const restart of restarts) expect(balancer.backends[restart.slot]!.routed).toBeGreaterThan(restart.routedBefore);

      // The idempotent retry on another replica: the same answer, marked replayed, and one SA.
      expect(replay!.first.status).toBe(201);
      expect(replay!.retry.status).toBe(201);
      expect(replay!.retry.headers.get('idempotent-replayed')).toBe('true');
      expect(replay!.retry.body).toEqual(replay!.first.body);
      const named = await sql.query('SELECT id FROM service_accounts WHERE tenant = $1 AND name = $2', [realm, replay!.first.body.name]);
      expect(named.rows).toEqual([{ id: replay!.first.body.id }]);

      // Every successful mutation has its audit event, and no event is written twice.
      const events = async (action: string, extra = '') => {
        const { rows } = await sql.query<{ id: string }>(
          `SELECT target_id AS id FROM audit_events WHERE tenant = $1 AND action = $2 AND outcome = 'success' AND actor_type = 'user' ${extra} ORDER BY target_id`,
          [realm, action],
        );
        return rows.map((row) => row.id);
      };
      const sorted = (ids: string[]) => [...ids].sort();
      expect(await events('service_account.created')).toEqual(sorted(expected.created));
      expect(await events('service_account.updated')).toEqual(sorted(expected.updated));
      expect(await events('service_account.secret_regenerated', "AND details->>'trigger' = 'manual'")).toEqual(sorted(expected.regenerated));
      expect(await events('service_account.deleted')).toEqual(sorted(expected.deleted));
      const exchanges = await sql.query<{ count: string }>("SELECT count(*) FROM audit_events WHERE tenant = $1 AND action = 'token.exchanged' AND outcome = 'success'", [realm]);
      expect(Number(exchanges.rows[0]!.count)).toBe(expected.exchanged);

      // Each scheduled rotation happened once, and the next one is a day later.
      const scheduled = await rotatedOnce();
      expect(rotating.map((sa) => scheduled.get(sa.id) ?? 0)).toEqual(rotating.map(() => 1));
      const { rows: rotated } = await sql.query<{ id: string; secret_rotated_at: Date; next_rotation_at: Date }>(
        'SELECT id, secret_rotated_at, next_rotation_at FROM service_accounts WHERE id = ANY($1)',
        [rotating.map((sa) => sa.id)],
      );
      for (const sa of rotating) {
        const row = rotated.find((r) => r.id === sa.id)!;
        expect(row.secret_rotated_at.getTime()).toBeGreaterThanOrEqual(sa.dueAt.getTime());
        expect(row.next_rotation_at.getTime()).toBe(row.secret_rotated_at.getTime() + 86_400_000);
      }
      const lateness = rotating.map((sa) => rotated.find((r) => r.id === sa.id)!.secret_rotated_at.getTime() - sa.dueAt.getTime());
      console.log(`[rolling] scheduled rotations done ${lateness.map((ms) => (ms / 1000).toFixed(1)).join('/')} s after falling due`);

      // No secret or token handed out reached any replica's log.
      const output = started.map((bridge) => bridge.output.join('')).join('\n');
      expect(secrets.filter((secret) => output.includes(secret))).toEqual([]);
    },
    150_000,
  );
});
