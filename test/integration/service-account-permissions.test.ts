// Every cell of DESIGN.md's role table over HTTP, tenant isolation, and role escalation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { apiClient, type ApiClient } from '../support/api.ts';
import { findClient, serviceAccountRealmRoles, tryClientCredentials } from '../support/keycloak-inspect.ts';
import { createTestRealm, passwordGrant, type TestRealm } from '../support/keycloak.ts';
import { expectNoSecretLeaked } from '../support/leaks.ts';

let app: TestApp;
let tenant: TestRealm;
let other: TestRealm;
const as: Record<'alice' | 'dave' | 'dora' | 'vic' | 'nora' | 'root' | 'otherAdmin', ApiClient> = {} as never;
const secrets: string[] = [];

beforeAll(async () => {
  [tenant, other] = await Promise.all([createTestRealm('perm'), createTestRealm('perm-other')]);
  app = await startTestApp({ realms: [tenant.realm, other.realm] });
  for (const user of ['alice', 'dave', 'dora', 'vic', 'nora'] as const) {
    as[user] = apiClient(app.baseUrl, (await passwordGrant(tenant.realm, user)).access_token);
  }
  as.root = apiClient(app.baseUrl, (await passwordGrant('platform', 'root')).access_token);
  as.otherAdmin = apiClient(app.baseUrl, (await passwordGrant(other.realm, 'alice')).access_token);
});

afterAll(async () => {
  if (app) await expectNoSecretLeaked(app, secrets);
  await app?.close();
  await Promise.all([tenant?.remove(), other?.remove()]);
});

async function create(client: ApiClient, name: string, extra: Record<string, unknown> = {}, query = '') {
  const response = await client.post(`/v1/service-accounts${query}`, { name, ...extra });
  if (response.status === 201) secrets.push(response.body.client_secret);
  return response;
}

async function lastAudit(action: string) {
  return app.deps.db.prisma.auditEvent.findFirst({ where: { tenant: tenant.realm, action }, orderBy: [{ occurredAt: 'desc' }, { id: 'desc' }] });
}

describe('devops and what it may do', () => {
  let daves: string;
  let alices: string;

  beforeAll(async () => {
    const d = await create(as.dave, 'daves-job');
    const a = await create(as.alice, 'alices-job');
    expect([d.status, a.status]).toEqual([201, 201]);
    expect(d.body.role).toBe('devops');
    expect(a.body.role).toBe('tenant-admin');
    daves = d.body.id;
    alices = a.body.id;
  });

  it("when dave creates an SA, then it inherits devops in Keycloak", async () => {
    const row = await app.deps.db.prisma.serviceAccount.findUniqueOrThrow({ where: { id: daves } });
    expect(await serviceAccountRealmRoles(tenant.realm, row.keycloakClientUuid!)).toEqual(expect.arrayContaining(['devops']));
    expect(await serviceAccountRealmRoles(tenant.realm, row.keycloakClientUuid!)).not.toContain('tenant-admin');
  });

  it("when dave changes, regenerates or deletes alice's SA, then 403 and a denied audit event each, and nothing changes", async () => {
    const attempts = [
      ['service_account.updated', () => as.dave.patch(`/v1/service-accounts/${alices}`, { description: 'mine now' })],
      ['service_account.updated', () => as.dave.patch(`/v1/service-accounts/${alices}`, { enabled: false })],
      ['service_account.secret_regenerated', () => as.dave.post(`/v1/service-accounts/${alices}/regenerate-secret`)],
      ['service_account.deleted', () => as.dave.delete(`/v1/service-accounts/${alices}`)],
    ] as const;
    for (const [action, attempt] of attempts) {
      const response = await attempt();
      expect(response.status).toBe(403);
      expect(response.body).toMatchObject({ code: 'insufficient_role', status: 403 });
      expect(await lastAudit(action)).toMatchObject({ outcome: 'denied', targetId: alices, actorName: 'dave' });
    }
    const row = await app.deps.db.prisma.serviceAccount.findUniqueOrThrow({ where: { id: alices } });
    expect(row).toMatchObject({ status: 'active', description: null });
    expect((await findClient(tenant.realm, row.clientId)).enabled).toBe(true);
  });

  it("when another devops (dora) touches dave's SA, then 403", async () => {
    expect((await as.dora.patch(`/v1/service-accounts/${daves}`, { description: 'x' })).status).toBe(403);
  });

  it('when dave reads any SA, then 200', async () => {
    expect((await as.dave.get(`/v1/service-accounts/${alices}`)).status).toBe(200);
    expect((await as.dave.get('/v1/service-accounts')).status).toBe(200);
  });

  it('when dave changes, regenerates and deletes his own SA, then each succeeds', async () => {
    expect((await as.dave.patch(`/v1/service-accounts/${daves}`, { description: 'nightly' })).status).toBe(200);
    const regenerated = await as.dave.post(`/v1/service-accounts/${daves}/regenerate-secret`);
    expect(regenerated.status).toBe(200);
    secrets.push(regenerated.body.client_secret);
    expect((await as.dave.delete(`/v1/service-accounts/${daves}`)).status).toBe(204);
  });

  it('when dave asks for a higher role, then 403 role_escalation, a denied event and no client', async () => {
    const response = await create(as.dave, 'escalate', { role: 'tenant-admin' });
    expect(response.status).toBe(403);
    expect(response.body.code).toBe('role_escalation');
    expect(await lastAudit('service_account.created')).toMatchObject({ outcome: 'denied', actorName: 'dave' });
    expect(await app.deps.db.prisma.serviceAccount.count({ where: { name: 'escalate' } })).toBe(0);
  });

  it('when alice asks for a lower role, then the SA gets it in Keycloak', async () => {
    const response = await create(as.alice, 'read-only-bot', { role: 'viewer' });
    expect(response.status).toBe(201);
    expect(response.body.role).toBe('viewer');
    const row = await app.deps.db.prisma.serviceAccount.findUniqueOrThrow({ where: { id: response.body.id } });
    const roles = await serviceAccountRealmRoles(tenant.realm, row.keycloakClientUuid!);
    expect(roles).toContain('viewer');
    expect(roles).not.toContain('tenant-admin');
  });
});

describe('viewer and no role', () => {
  it('when vic (viewer) lists and reads, then 200; when he creates, updates, regenerates or deletes, then 403', async () => {
    const target = (await create(as.alice, 'for-vic')).body.id;
    expect((await as.vic.get('/v1/service-accounts')).status).toBe(200);
    expect((await as.vic.get(`/v1/service-accounts/${target}`)).status).toBe(200);
    expect((await create(as.vic, 'vics')).status).toBe(403);
    expect(await lastAudit('service_account.created')).toMatchObject({ outcome: 'denied', actorName: 'vic' });
    expect((await as.vic.patch(`/v1/service-accounts/${target}`, { enabled: false })).status).toBe(403);
    expect((await as.vic.post(`/v1/service-accounts/${target}/regenerate-secret`)).status).toBe(403);
    expect((await as.vic.delete(`/v1/service-accounts/${target}`)).status).toBe(403);
    expect((await as.vic.get('/v1/audit-events')).status).toBe(403);
  });

  it('when nora (no platform role) calls, then 403 on reads too', async () => {
    expect((await as.nora.get('/v1/service-accounts')).status).toBe(403);
  });

  it('when an SA with the viewer role calls with its own token, then it may read but not create', async () => {
    const created = await create(as.alice, 'viewer-bot', { role: 'viewer' });
    const grant = await tryClientCredentials(tenant.realm, created.body.client_id, created.body.client_secret);
    const bot = apiClient(app.baseUrl, grant.token!);
    expect((await bot.get('/v1/me')).body).toMatchObject({ role: 'viewer', actor: { type: 'service_account' } });
    expect((await bot.get('/v1/service-accounts')).status).toBe(200);
    expect((await create(bot, 'bot-child')).status).toBe(403);
    expect(await lastAudit('service_account.created')).toMatchObject({ outcome: 'denied', actorType: 'service_account' });
  });
});

describe('cpi-admin and tenant selection', () => {
  it('when root (cpi-admin) works in a tenant with ?tenant=, then create, list, update and delete succeed there', async () => {
    const created = await create(as.root, 'platform-made', {}, `?tenant=${tenant.realm}`);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ tenant: tenant.realm, role: 'tenant-admin', created_by: { name: 'root' } });
    expect(created.headers.get('location')).toBe(`/v1/service-accounts/${created.body.id}?tenant=${tenant.realm}`);
    expect(await findClient(tenant.realm, created.body.client_id)).toBeDefined();
    const listed = await as.root.get(`/v1/service-accounts?tenant=${tenant.realm}`);
    expect(listed.body.items.map((i: { id: string }) => i.id)).toContain(created.body.id);
    expect((await as.root.get(`/v1/service-accounts/${created.body.id}?tenant=${tenant.realm}`)).status).toBe(200);
    const regenerated = await as.root.post(`/v1/service-accounts/${created.body.id}/regenerate-secret?tenant=${tenant.realm}`);
    expect(regenerated.status).toBe(200);
    secrets.push(regenerated.body.client_secret);
    expect((await as.root.patch(`/v1/service-accounts/${created.body.id}?tenant=${tenant.realm}`, { enabled: false })).status).toBe(200);
    expect((await as.root.get(`/v1/audit-events?tenant=${tenant.realm}`)).status).toBe(200);
    expect((await as.root.delete(`/v1/service-accounts/${created.body.id}?tenant=${tenant.realm}`)).status).toBe(204);
  });

  it('when root asks for cpi-admin in a tenant realm, then 403 role_escalation', async () => {
    const response = await create(as.root, 'too-high', { role: 'cpi-admin' }, `?tenant=${tenant.realm}`);
    expect(response.status).toBe(403);
    expect(response.body.code).toBe('role_escalation');
  });

  it('when root names an unknown tenant, then 404 tenant_not_found', async () => {
    const response = await as.root.get('/v1/service-accounts?tenant=no-such-realm');
    expect(response.status).toBe(404);
    expect(response.body.code).toBe('tenant_not_found');
  });

  it('when a tenant-admin names another tenant, then 403', async () => {
    const response = await as.alice.get(`/v1/service-accounts?tenant=${other.realm}`);
    expect(response.status).toBe(403);
  });
});

describe('tenant isolation', () => {
  it("when another tenant's admin uses an SA id on every id route, then 404 and nothing changes", async () => {
    const created = await create(as.alice, 'isolated');
    const id = created.body.id;
    const responses = await Promise.all([
      as.otherAdmin.get(`/v1/service-accounts/${id}`),
      as.otherAdmin.patch(`/v1/service-accounts/${id}`, { enabled: false }),
      as.otherAdmin.post(`/v1/service-accounts/${id}/regenerate-secret`),
      as.otherAdmin.delete(`/v1/service-accounts/${id}`),
    ]);
    for (const response of responses) {
      expect(response.status).toBe(404);
      expect(response.body.code).toBe('service_account_not_found');
    }
    const list = await as.otherAdmin.get('/v1/service-accounts');
    expect(list.body.items.map((i: { id: string }) => i.id)).not.toContain(id);
    const row = await app.deps.db.prisma.serviceAccount.findUniqueOrThrow({ where: { id } });
    expect(row.status).toBe('active');
    expect((await tryClientCredentials(tenant.realm, created.body.client_id, created.body.client_secret)).status).toBe(200);
  });
});
