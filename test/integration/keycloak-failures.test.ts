// Keycloak failing in the middle of a create, a delete, a rotation and a policy change: the
// caller gets 503 with Retry-After and no raw upstream body (or the result, when only the last
// answer was lost), and after the reconciler runs Keycloak and the database agree (no orphan
// client, no live row without a client, the secret the caller holds is the current one). The
// whole matrix of steps and faults is fault-matrix.test.ts.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../support/app.ts';
import { apiClient, type ApiClient } from '../support/api.ts';
import type { FaultProxy } from '../support/fault-proxy.ts';
import { clientsWithPrefix, createRawClient, findClient, tryClientCredentials } from '../support/keycloak-inspect.ts';
import type { TestRealm } from '../support/keycloak.ts';
import { useTenantApp } from '../support/tenant-app.ts';

const fixture = useTenantApp('fail', { faultProxy: true, env: { RECONCILE_STALE_AFTER_MS: '0', KEYCLOAK_TIMEOUT_MS: '2000' } });
let app: TestApp;
let proxy: FaultProxy;
let tenant: TestRealm;
let alice: ApiClient;
const secrets = fixture.secrets;

beforeAll(async () => {
  ({ app, proxy, tenant } = fixture);
  alice = await fixture.as('alice');
});

afterEach(() => proxy.clear());

function expectUpstreamProblem(response: Awaited<ReturnType<ApiClient['get']>>) {
  expect(response.status).toBe(503);
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
  expect(response.body.code).toBe('keycloak_unavailable');
  expect(JSON.stringify(response.body)).not.toContain('injected failure');
}

const rowsNamed = (name: string) => app.deps.db.prisma.serviceAccount.findMany({ where: { tenant: tenant.realm, name } });

describe('a create that fails half way', () => {
  it('when mapping the role fails after the client exists, then 503 and the client is removed at once', async () => {
    proxy.add({ match: (m, p) => m === 'POST' && p.includes('/role-mappings/realm'), mode: 'unavailable' });
    const response = await alice.post('/v1/service-accounts', { name: 'half-made' });
    expectUpstreamProblem(response);
    expect(await clientsWithPrefix(tenant.realm, 'sa-half-made-')).toEqual([]);
    const rows = await rowsNamed('half-made');
    expect(rows.map((r) => r.status)).toEqual(['deleted']);
    const audit = await app.deps.db.prisma.auditEvent.findFirstOrThrow({ where: { targetId: rows[0]!.id } });
    expect(audit).toMatchObject({ action: 'service_account.created', outcome: 'failed' });
    expect((await alice.get('/v1/service-accounts?q=half-made')).body.items).toEqual([]);
  });

  it('when Keycloak goes away after creating the client, then 503, and the reconciler later removes the orphan and retires the row', async () => {
    // Every admin call after the client is created fails, including the compensation.
    let created = false;
    proxy.add({
      match: (m, p) => {
        if (m === 'POST' && /\/admin\/realms\/[^/]+\/clients\/?$/.test(p)) {
          created = true;
          return false;
        }
        return created && p.startsWith('/admin/');
      },
      mode: 'reset',
    });
    const response = await alice.post('/v1/service-accounts', { name: 'stranded' });
    expectUpstreamProblem(response);
    expect(await clientsWithPrefix(tenant.realm, 'sa-stranded-')).toHaveLength(1);
    expect((await rowsNamed('stranded')).map((r) => r.status)).toEqual(['provisioning']);
    // A provisioning row is not an SA yet: it is not listed.
    expect((await alice.get('/v1/service-accounts?q=stranded')).body.items).toEqual([]);

    proxy.clear();
    const report = await app.deps.reconciler.runOnce();
    const [row] = await rowsNamed('stranded');
    expect(report.rolledBack).toContain(row!.id);
    expect(row!.status).toBe('deleted');
    expect(await clientsWithPrefix(tenant.realm, 'sa-stranded-')).toEqual([]);
    const audit = await app.deps.db.prisma.auditEvent.findFirstOrThrow({ where: { targetId: row!.id, action: 'service_account.provisioning_rolled_back' } });
    expect(audit).toMatchObject({ outcome: 'success', actorType: 'system', actorName: 'reconciler' });
  });

  it('when Keycloak does not answer at all, then 503 within the timeout and nothing is left', async () => {
    proxy.add({ match: (_m, p) => p.startsWith('/admin/'), mode: 'reset' });
    const response = await alice.post('/v1/service-accounts', { name: 'no-keycloak' });
    expectUpstreamProblem(response);
    proxy.clear();
    await app.deps.reconciler.runOnce();
    expect(await clientsWithPrefix(tenant.realm, 'sa-no-keycloak-')).toEqual([]);
    expect((await rowsNamed('no-keycloak')).every((r) => r.status === 'deleted')).toBe(true);
  });
});

describe('a delete that fails half way', () => {
  it('when deleting the client fails, then 503, the SA is refused meanwhile, and the reconciler completes the deletion', async () => {
    const created = await alice.post('/v1/service-accounts', { name: 'hard-to-kill' });
    expect(created.status).toBe(201);
    secrets.push(created.body.client_secret);
    const saToken = (await tryClientCredentials(tenant.realm, created.body.client_id, created.body.client_secret)).token!;

    proxy.add({ match: (m, p) => m === 'DELETE' && p.includes('/clients/'), mode: 'unavailable' });
    const response = await alice.delete(`/v1/service-accounts/${created.body.id}`);
    expectUpstreamProblem(response);
    const [row] = await rowsNamed('hard-to-kill');
    expect(row!.status).toBe('deleting');
    expect(await findClient(tenant.realm, created.body.client_id)).toBeDefined();
    expect((await apiClient(app.baseUrl, saToken).get('/v1/me')).status).toBe(401);
    expect(
      await app.deps.db.prisma.auditEvent.findFirst({ where: { targetId: row!.id, action: 'service_account.deleted', outcome: 'failed' } }),
    ).not.toBeNull();

    proxy.clear();
    const report = await app.deps.reconciler.runOnce();
    expect(report.deletionsCompleted).toContain(row!.id);
    expect(await findClient(tenant.realm, created.body.client_id)).toBeUndefined();
    expect((await rowsNamed('hard-to-kill'))[0]!.status).toBe('deleted');
    expect((await tryClientCredentials(tenant.realm, created.body.client_id, created.body.client_secret)).status).toBe(401);
  });
});

describe('a rotation that fails half way', () => {
  async function createWithClient(name: string) {
    const created = await alice.post('/v1/service-accounts', { name });
    expect(created.status).toBe(201);
    secrets.push(created.body.client_secret);
    const row = await app.deps.db.prisma.serviceAccount.findUniqueOrThrow({ where: { id: created.body.id } });
    return { ...created.body, uuid: row.keycloakClientUuid! } as { id: string; client_id: string; client_secret: string; uuid: string };
  }

  it('when setting the grace deadline fails after Keycloak made the new secret, then 503 and the secret the caller holds is the current one again', async () => {
    const sa = await createWithClient('rotate-undone');
    proxy.add({ match: (m, p) => m === 'PUT' && p.endsWith(`/clients/${sa.uuid}`), mode: 'unavailable', times: 1 });
    expectUpstreamProblem(await alice.post(`/v1/service-accounts/${sa.id}/regenerate-secret`, { grace_period: 3600 }));
    const client = await findClient(tenant.realm, sa.client_id);
    expect(client.secret === sa.client_secret).toBe(true);
    expect(client.attributes['client.secret.rotated']).toBeUndefined();
    expect((await tryClientCredentials(tenant.realm, sa.client_id, sa.client_secret)).status).toBe(200);
    expect((await app.deps.db.prisma.serviceAccount.findUniqueOrThrow({ where: { id: sa.id } })).previousSecretExpiresAt).toBeNull();
  });

  it('when only the answer to dropping the old secret is lost, then the rotation counts: 200 with the new secret, and the old one is refused', async () => {
    const sa = await createWithClient('rotate-finished');
    proxy.add({ match: (m, p) => m === 'DELETE' && p.endsWith(`/clients/${sa.uuid}/client-secret/rotated`), mode: 'lose-answer', times: 1 });
    const rotated = await alice.post(`/v1/service-accounts/${sa.id}/regenerate-secret`);
    expect(rotated.status).toBe(200);
    secrets.push(rotated.body.client_secret);
    expect((await tryClientCredentials(tenant.realm, sa.client_id, rotated.body.client_secret)).status).toBe(200);
    expect((await tryClientCredentials(tenant.realm, sa.client_id, sa.client_secret)).status).toBe(401);
  });

  it('when a rotation reaches Keycloak only after the bridge gave up, then the reconciler makes the secret the caller holds current again', async () => {
    const sa = await createWithClient('rotate-late');
    proxy.add({ match: (m, p) => m === 'POST' && p.endsWith(`/clients/${sa.uuid}/client-secret`), mode: 'hold', times: 1 });
    expectUpstreamProblem(await alice.post(`/v1/service-accounts/${sa.id}/regenerate-secret`));
    await proxy.releaseHeld();
    expect((await findClient(tenant.realm, sa.client_id)).secret === sa.client_secret).toBe(false);

    const report = await app.deps.reconciler.runOnce();
    expect(report.driftRepaired).toContain(sa.id);
    expect((await findClient(tenant.realm, sa.client_id)).secret === sa.client_secret).toBe(true);
    expect((await tryClientCredentials(tenant.realm, sa.client_id, sa.client_secret)).status).toBe(200);
    const audit = await app.deps.db.prisma.auditEvent.findFirstOrThrow({ where: { targetId: sa.id, action: 'service_account.drift_repaired' } });
    expect(JSON.stringify(audit.details)).toContain('a rotation nobody received was undone');
  });
});

describe('a policy change that fails half way', () => {
  it('when re-clamping a client fails, then 503, the change is audited, and the reconciler clamps the rest', async () => {
    const root = await fixture.as('root', 'platform');
    const created = await alice.post('/v1/service-accounts', { name: 'clamp-later', access_token_ttl: 900 });
    secrets.push(created.body.client_secret);
    const uuid = (await app.deps.db.prisma.serviceAccount.findUniqueOrThrow({ where: { id: created.body.id } })).keycloakClientUuid!;
    proxy.add({ match: (m, p) => m === 'PUT' && p.endsWith(`/clients/${uuid}`), mode: 'unavailable', times: 1 });
    try {
      expectUpstreamProblem(await root.patch(`/v1/tenants/${tenant.realm}/policy`, { max_access_token_ttl: 600 }));
      expect((await root.get(`/v1/tenants/${tenant.realm}/policy`)).body.max_access_token_ttl).toBe(600);
      const audit = await app.deps.db.prisma.auditEvent.findFirstOrThrow({ where: { action: 'tenant.policy_updated', targetId: tenant.realm }, orderBy: { occurredAt: 'desc' } });
      expect(audit).toMatchObject({ outcome: 'success', details: expect.objectContaining({ reclamp: expect.stringMatching(/reconciler/) }) });

      const report = await app.deps.reconciler.runOnce();
      expect(report.driftRepaired).toContain(created.body.id);
      expect((await alice.get(`/v1/service-accounts/${created.body.id}`)).body.access_token_ttl).toBe(600);
      expect((await findClient(tenant.realm, created.body.client_id)).attributes['access.token.lifespan']).toBe('600');
    } finally {
      expect((await root.patch(`/v1/tenants/${tenant.realm}/policy`, { max_access_token_ttl: 3600 })).status).toBe(200);
    }
  });
});

describe('orphan clients', () => {
  it('when a client carries our marker and deployment id but no live row, then the reconciler deletes it and leaves other clients alone', async () => {
    await createRawClient(tenant.realm, {
      clientId: 'sa-ghost-abc123',
      serviceAccountsEnabled: true,
      publicClient: false,
      attributes: { 'sa-bridge.managed': 'true', 'sa-bridge.sa-id': 'sa_00000000000000000000', 'sa-bridge.deployment': app.deps.deploymentId },
    });
    // Another deployment's, and one from before deployment ids whose row is not ours: neither is touched.
    await createRawClient(tenant.realm, {
      clientId: 'sa-foreign-abc123',
      serviceAccountsEnabled: true,
      publicClient: false,
      attributes: { 'sa-bridge.managed': 'true', 'sa-bridge.sa-id': 'sa_00000000000000000001', 'sa-bridge.deployment': 'elsewhere' },
    });
    await createRawClient(tenant.realm, {
      clientId: 'sa-legacy-abc123',
      serviceAccountsEnabled: true,
      publicClient: false,
      attributes: { 'sa-bridge.managed': 'true', 'sa-bridge.sa-id': 'sa_00000000000000000002' },
    });
    await createRawClient(tenant.realm, { clientId: 'someone-elses-client', publicClient: false, serviceAccountsEnabled: true });
    const live = await alice.post('/v1/service-accounts', { name: 'keeper' });
    secrets.push(live.body.client_secret);

    const report = await app.deps.reconciler.runOnce();
    expect(report.orphanClientsRemoved).toEqual(['sa-ghost-abc123']);
    expect(await findClient(tenant.realm, 'sa-ghost-abc123')).toBeUndefined();
    expect(await findClient(tenant.realm, 'someone-elses-client')).toBeDefined();
    expect(await findClient(tenant.realm, 'sa-foreign-abc123')).toBeDefined();
    expect(await findClient(tenant.realm, 'sa-legacy-abc123')).toBeDefined();
    expect(await findClient(tenant.realm, live.body.client_id)).toBeDefined();
    const audit = await app.deps.db.prisma.auditEvent.findFirstOrThrow({ where: { action: 'service_account.orphan_client_removed' } });
    expect(audit.details).toMatchObject({ client_id: 'sa-ghost-abc123' });
  });

  it('when everything agrees, then a reconciler pass changes nothing', async () => {
    const report = await app.deps.reconciler.runOnce();
    expect(report).toEqual({
      rolledBack: [],
      deletionsCompleted: [],
      orphanClientsRemoved: [],
      driftRepaired: [],
      clientsMissing: [],
      ownerChanges: [],
      tenantsRepaired: [],
      failures: 0,
    });
  });
});
