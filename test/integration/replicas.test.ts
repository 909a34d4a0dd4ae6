// Two replicas of the bridge on one PostgreSQL, as a deployment runs them. Each remembers verified
// tokens and which SA a token is about; a disable or delete through one must be refused by the
// other within a second, also when the other's change feed has lost its connection.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { apiClient } from '../support/api.ts';
import { clientsWithPrefix, tryClientCredentials } from '../support/keycloak-inspect.ts';
import { createTestRealm, passwordGrant, type TestRealm } from '../support/keycloak.ts';
import { expectNoSecretLeaked } from '../support/leaks.ts';
import { SecretBox } from '../../src/lib/secret-box.ts';

let tenant: TestRealm;
let first: TestApp;
let second: TestApp;
let aliceToken: string;
const secrets: string[] = [];

beforeAll(async () => {
  tenant = await createTestRealm('replicas');
  first = await startTestApp({ realms: [tenant.realm] });
  second = await startTestApp({ realms: [tenant.realm], replicaOf: first });
  aliceToken = (await passwordGrant(tenant.realm, 'alice')).access_token;
});

afterAll(async () => {
  if (first) await expectNoSecretLeaked(first, secrets);
  await second?.close();
  await first?.close();
  await tenant?.remove();
});

async function createWithToken(name: string) {
  const created = await apiClient(first.baseUrl, aliceToken).post('/v1/service-accounts', { name });
  expect(created.status).toBe(201);
  const sa = created.body as { id: string; client_id: string; client_secret: string };
  secrets.push(sa.client_secret);
  const grant = await tryClientCredentials(tenant.realm, sa.client_id, sa.client_secret);
  expect(grant.status).toBe(200);
  secrets.push(grant.token!);
  return { ...sa, token: grant.token! };
}

/** Polls `probe` until it returns true; resolves with the milliseconds it took, or fails after `limitMs`. */
async function millisecondsUntil(probe: () => Promise<boolean>, limitMs: number): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (await probe()) return performance.now() - started;
    if (performance.now() - started > limitMs) throw new Error(`not within ${limitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const meStatus = async (app: TestApp, token: string) => (await apiClient(app.baseUrl, token).get('/v1/me')).status;

/** Both replicas have answered for this token and this SA, so both remember them. */
async function warm(sa: { id: string; token: string }) {
  for (const app of [first, second]) {
    for (let i = 0; i < 3; i += 1) {
      expect(await meStatus(app, sa.token)).toBe(200);
      expect((await apiClient(app.baseUrl, aliceToken).get(`/v1/service-accounts/${sa.id}`)).status).toBe(200);
    }
  }
}

describe('revocation across replicas', () => {
  it('when an SA is disabled through one replica, then the other refuses its token and shows it disabled within a second', async () => {
    const sa = await createWithToken('disabled-elsewhere');
    await warm(sa);
    const disabled = await apiClient(first.baseUrl, aliceToken).patch(`/v1/service-accounts/${sa.id}`, { enabled: false });
    expect(disabled.status).toBe(200);
    expect(await meStatus(first, sa.token)).toBe(401);
    const refusedAfter = await millisecondsUntil(async () => (await meStatus(second, sa.token)) === 401, 1000);
    const readAfter = await millisecondsUntil(
      async () => ((await apiClient(second.baseUrl, aliceToken).get(`/v1/service-accounts/${sa.id}`)).body as { status: string }).status === 'disabled',
      1000,
    );
    console.log(`[replicas] disable seen by the other replica after ${refusedAfter.toFixed(0)} ms (token) and ${readAfter.toFixed(0)} ms (read)`);
    const exchange = await fetch(`${second.baseUrl}/v1/token-exchange`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
        subject_token: sa.token,
        subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
        audience: 'sa-bridge',
      }),
    });
    expect(exchange.status).toBe(400);
    expect(await exchange.json()).toMatchObject({ error: 'invalid_request', error_description: expect.stringMatching(/disabled/) });
  });

  it('when an SA is deleted through one replica, then the other refuses its token and answers 404 within a second', async () => {
    const sa = await createWithToken('deleted-elsewhere');
    await warm(sa);
    expect((await apiClient(first.baseUrl, aliceToken).delete(`/v1/service-accounts/${sa.id}`)).status).toBe(204);
    await millisecondsUntil(async () => (await meStatus(second, sa.token)) === 401, 1000);
    await millisecondsUntil(async () => (await apiClient(second.baseUrl, aliceToken).get(`/v1/service-accounts/${sa.id}`)).status === 404, 1000);
  });

  it("when the other replica's change feed loses its connection, then it still refuses a disabled SA within a second (it reads the database until the feed is back)", async () => {
    const sa = await createWithToken('feed-lost');
    await warm(sa);
    expect(second.deps.db.changes.isCurrent()).toBe(true);
    // Cut every change-feed connection on the server, both replicas': notifications sent meanwhile are lost.
    const admin = new pg.Client({ connectionString: first.dbUrl });
    await admin.connect();
    try {
      const { rows } = await admin.query<{ terminated: boolean }>(
        "SELECT pg_terminate_backend(pid) AS terminated FROM pg_stat_activity WHERE application_name = 'sa-bridge change feed' AND datname = current_database()",
      );
      expect(rows.length).toBeGreaterThanOrEqual(2);
      // Disabled directly in the database, as an operator would: only the feed could tell the replicas.
      await admin.query("UPDATE service_accounts SET status = 'disabled' WHERE id = $1", [sa.id]);
    } finally {
      await admin.end();
    }
    for (const app of [first, second]) await millisecondsUntil(async () => (await meStatus(app, sa.token)) === 401, 1000);
    // The feeds reconnect and the caches serve again.
    await millisecondsUntil(async () => first.deps.db.changes.isCurrent() && second.deps.db.changes.isCurrent(), 5000);
    expect(await meStatus(second, sa.token)).toBe(401);
  });
});

describe('API keys across replicas', () => {
  async function createKey(saId: string) {
    const created = await apiClient(first.baseUrl, aliceToken).post(`/v1/service-accounts/${saId}/api-keys`, { name: 'replicated' });
    expect(created.status).toBe(201);
    const key = created.body as { id: string; key: string };
    secrets.push(key.key);
    for (const app of [first, second]) for (let i = 0; i < 3; i += 1) expect(await meStatus(app, key.key)).toBe(200);
    return key;
  }

  it('when a key is revoked through one replica, then the other refuses it within a second', async () => {
    const sa = await createWithToken('key-revoked-elsewhere');
    const key = await createKey(sa.id);
    expect((await apiClient(first.baseUrl, aliceToken).delete(`/v1/service-accounts/${sa.id}/api-keys/${key.id}`)).status).toBe(204);
    expect(await meStatus(first, key.key)).toBe(401);
    const refusedAfter = await millisecondsUntil(async () => (await meStatus(second, key.key)) === 401, 1000);
    console.log(`[replicas] key revocation seen by the other replica after ${refusedAfter.toFixed(0)} ms`);
  });

  it("when a key's SA is disabled through one replica, then the other refuses the key within a second", async () => {
    const sa = await createWithToken('key-sa-disabled-elsewhere');
    const key = await createKey(sa.id);
    expect((await apiClient(first.baseUrl, aliceToken).patch(`/v1/service-accounts/${sa.id}`, { enabled: false })).status).toBe(200);
    expect(await meStatus(first, key.key)).toBe(401);
    await millisecondsUntil(async () => (await meStatus(second, key.key)) === 401, 1000);
  });
});

describe('what the change feed announces', () => {
  it("when only a tenant's bookkeeping changes (the reconciler's claim, the usage job's mark), then nothing is announced; when its name changes, then it is", async () => {
    const listener = new pg.Client({ connectionString: first.dbUrl });
    const writer = new pg.Client({ connectionString: first.dbUrl });
    await Promise.all([listener.connect(), writer.connect()]);
    const announced: Array<{ table: string; tenant: string }> = [];
    listener.on('notification', (message) => {
      // The replicas' own heartbeats share the channel; only changes are JSON.
      if (!message.payload?.startsWith('{')) return;
      const change = JSON.parse(message.payload) as { table: string; tenant: string };
      if (change.table === 'tenants' && change.tenant === tenant.realm) announced.push(change);
    });
    try {
      await listener.query('LISTEN sa_bridge_changes');
      await writer.query('UPDATE tenants SET reconciled_at = now(), usage_events_seen_until = now() WHERE realm = $1', [tenant.realm]);
      await writer.query("UPDATE tenants SET display_name = display_name || ' (renamed)' WHERE realm = $1", [tenant.realm]);
      // Notifications are delivered in commit order: once the rename's has arrived, the claim's would have.
      await millisecondsUntil(async () => announced.length > 0, 2000);
      expect(announced).toEqual([{ table: 'tenants', tenant: tenant.realm }]);
    } finally {
      await Promise.all([listener.end(), writer.end()]);
    }
  });
});

// Replicas of a new deployment start together (a first install, a scale-up): each registers the
// realms it finds and makes the exchange client's secret if the database has none. Found by
// test/integration/rolling-restart.test.ts, where one of three replicas started together exited
// with a unique violation on tenants.
describe('replicas starting together', () => {
  it('when replicas register the same new realm at once, then each succeeds and there is one tenant row', async () => {
    const realm = `t-together-${randomBytes(3).toString('hex')}`;
    const registrations = await Promise.allSettled(
      [first, second, first, second, first, second].map((app) => app.deps.tenantRepository.upsertTenants([{ realm, displayName: realm }])),
    );
    expect(registrations.map((r) => (r.status === 'fulfilled' ? r.value : String(r.reason).slice(0, 200)))).toEqual(registrations.map(() => [realm]));
    const rows = await first.deps.db.prisma.tenant.findMany({ where: { realm } });
    expect(rows).toHaveLength(1);
    await first.deps.db.prisma.tenant.delete({ where: { realm } });
  });

  it("when replicas make a new tenant's exchange secret at once, then they all get the same one, the one stored", async () => {
    const realm = `t-together-${randomBytes(3).toString('hex')}`;
    await first.deps.tenantRepository.upsertTenants([{ realm, displayName: realm }]);
    const made = await Promise.all([first, second, first, second].map((app) => app.deps.tenants.exchangeSecret(realm)));
    const sealed = await first.deps.tenantRepository.exchangeSecret(realm);
    const stored = new SecretBox(first.serverKey).open(sealed!, `exchange:${realm}`);
    // Compared, never printed: they are secrets.
    expect(new Set(made).size).toBe(1);
    expect(made[0] === stored).toBe(true);
    await first.deps.db.prisma.tenant.delete({ where: { realm } });
  });

  it('when replicas configure the same new realm at once, then each succeeds and the realm has one exchange client, with the stored secret', async () => {
    const fresh = await createTestRealm('together');
    try {
      await first.deps.tenantRepository.upsertTenants([{ realm: fresh.realm, displayName: fresh.realm }]);
      const configured = await Promise.allSettled([first, second, first, second].map((app) => app.deps.tenants.configureRealm(fresh.realm)));
      expect(configured.map((c) => (c.status === 'fulfilled' ? 'configured' : String(c.reason)))).toEqual(configured.map(() => 'configured'));
      const exchangeClients = await clientsWithPrefix(fresh.realm, 'sa-bridge-exchange-');
      expect(exchangeClients).toHaveLength(1);
      const secret = await first.deps.tenants.exchangeSecret(fresh.realm);
      expect((await tryClientCredentials(fresh.realm, exchangeClients[0].clientId, secret)).error).not.toBe('invalid_client');
    } finally {
      await first.deps.db.prisma.tenant.delete({ where: { realm: fresh.realm } });
      await fresh.remove();
    }
  });
});
