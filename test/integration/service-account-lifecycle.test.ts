// The whole walk-through a CI pipeline owner does: create, get a token, call the bridge with it,
// regenerate, disable/enable, delete; every outcome checked in the HTTP answer, our database,
// Keycloak, the token endpoint and the audit trail.
import { beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../support/app.ts';
import { apiClient, type ApiClient } from '../support/api.ts';
import { findClient, serviceAccountRealmRoles, tryClientCredentials } from '../support/keycloak-inspect.ts';
import { testKeycloak, type TestRealm } from '../support/keycloak.ts';
import { useTenantApp } from '../support/tenant-app.ts';

const fixture = useTenantApp('life');
let app: TestApp;
let tenant: TestRealm;
let alice: ApiClient;
const issuedSecrets = fixture.secrets;

beforeAll(async () => {
  ({ app, tenant } = fixture);
  alice = await fixture.as('alice');
});

async function auditRows(targetId: string) {
  return app.deps.db.prisma.auditEvent.findMany({ where: { targetId }, orderBy: { occurredAt: 'asc' } });
}

describe('service-account walk-through', () => {
  let id: string;
  let clientId: string;
  let secret: string;
  let saToken: string;

  it('when alice creates an SA, then 201 with the secret once, a Keycloak client, an active row and an audit event', async () => {
    const created = await alice.post('/v1/service-accounts', { name: 'ci-pipeline', description: 'CI/CD deployments' });
    expect(created.status).toBe(201);
    expect(created.headers.get('cache-control')).toBe('no-store');
    const kc = testKeycloak();
    expect(created.body).toMatchObject({
      name: 'ci-pipeline',
      description: 'CI/CD deployments',
      tenant: tenant.realm,
      role: 'tenant-admin',
      status: 'active',
      created_by: { type: 'user', name: 'alice' },
      issuer: `${kc.url}/realms/${tenant.realm}`,
      token_endpoint: `${kc.url}/realms/${tenant.realm}/protocol/openid-connect/token`,
      jwks_uri: `${kc.url}/realms/${tenant.realm}/protocol/openid-connect/certs`,
    });
    expect(created.body.id).toMatch(/^sa_[0-9A-Za-z]{20}$/);
    expect(created.body.client_id).toMatch(/^sa-ci-pipeline-[0-9a-f]{6}$/);
    expect(created.body.client_secret).toEqual(expect.any(String));
    expect(created.headers.get('location')).toBe(`/v1/service-accounts/${created.body.id}`);
    ({ id, client_id: clientId, client_secret: secret } = created.body);
    issuedSecrets.push(secret);

    const row = await app.deps.db.prisma.serviceAccount.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({ status: 'active', tenant: tenant.realm, name: 'ci-pipeline', clientId, role: 'tenant-admin', createdByName: 'alice' });
    expect(row.keycloakClientUuid).toBeTruthy();
    expect(row.secretRotatedAt).toBeInstanceOf(Date);

    const client = await findClient(tenant.realm, clientId);
    expect(client).toMatchObject({
      id: row.keycloakClientUuid,
      enabled: true,
      publicClient: false,
      serviceAccountsEnabled: true,
      standardFlowEnabled: false,
      implicitFlowEnabled: false,
      directAccessGrantsEnabled: false,
    });
    expect(client.attributes).toMatchObject({ 'sa-bridge.managed': 'true', 'sa-bridge.sa-id': id });
    expect(await serviceAccountRealmRoles(tenant.realm, row.keycloakClientUuid!)).toContain('tenant-admin');

    const events = await auditRows(id);
    expect(events.map((e) => [e.action, e.outcome, e.actorName, e.actorType])).toEqual([['service_account.created', 'success', 'alice', 'user']]);
    expect(events[0]!.requestId).toBe(created.headers.get('x-request-id'));
  });

  it('when the workload uses client_credentials, then Keycloak issues a token the bridge accepts with the inherited role', async () => {
    const grant = await tryClientCredentials(tenant.realm, clientId, secret);
    expect(grant.status).toBe(200);
    saToken = grant.token!;
    const sa = apiClient(app.baseUrl, saToken);
    const me = await sa.get('/v1/me');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ tenant: tenant.realm, role: 'tenant-admin', actor: { type: 'service_account', name: clientId }, service_account_id: id });
    const list = await sa.get('/v1/service-accounts');
    expect(list.status).toBe(200);
    expect(list.body.items.map((i: { id: string }) => i.id)).toContain(id);
    expect(JSON.stringify(list.body)).not.toContain('client_secret');
  });

  it('when the SA is fetched, then the answer has no secret', async () => {
    const one = await alice.get(`/v1/service-accounts/${id}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ id, client_id: clientId, status: 'active' });
    expect(one.body).not.toHaveProperty('client_secret');
  });

  it('when the secret is regenerated, then the old one is invalid_client at once and the new one works', async () => {
    const before = await app.deps.db.prisma.serviceAccount.findUniqueOrThrow({ where: { id } });
    const regenerated = await alice.post(`/v1/service-accounts/${id}/regenerate-secret`);
    expect(regenerated.status).toBe(200);
    expect(regenerated.body.client_secret).toEqual(expect.any(String));
    expect(regenerated.body.client_secret).not.toBe(secret);
    issuedSecrets.push(regenerated.body.client_secret);

    const oldOutcome = await tryClientCredentials(tenant.realm, clientId, secret);
    expect(oldOutcome.status).toBe(401);
    expect(['invalid_client', 'unauthorized_client']).toContain(oldOutcome.error);
    expect((await tryClientCredentials(tenant.realm, clientId, regenerated.body.client_secret)).status).toBe(200);
    secret = regenerated.body.client_secret;

    const after = await app.deps.db.prisma.serviceAccount.findUniqueOrThrow({ where: { id } });
    expect(after.secretRotatedAt!.getTime()).toBeGreaterThan(before.secretRotatedAt!.getTime());
    expect(regenerated.body.secret_rotated_at).toBe(after.secretRotatedAt!.toISOString());
    expect((await auditRows(id)).map((e) => e.action)).toContain('service_account.secret_regenerated');
  });

  it('when the SA is disabled, then Keycloak refuses the grant and the bridge refuses its live token; enabling restores both', async () => {
    const disabled = await alice.patch(`/v1/service-accounts/${id}`, { enabled: false });
    expect(disabled.status).toBe(200);
    expect(disabled.body.status).toBe('disabled');
    expect((await findClient(tenant.realm, clientId)).enabled).toBe(false);
    expect((await app.deps.db.prisma.serviceAccount.findUniqueOrThrow({ where: { id } })).status).toBe('disabled');
    expect((await tryClientCredentials(tenant.realm, clientId, secret)).status).toBeGreaterThanOrEqual(400);
    const refused = await apiClient(app.baseUrl, saToken).get('/v1/me');
    expect(refused.status).toBe(401);
    expect(refused.body.detail).toMatch(/disabled/);

    const enabled = await alice.patch(`/v1/service-accounts/${id}`, { enabled: true, description: 'deploys' });
    expect(enabled.status).toBe(200);
    expect(enabled.body).toMatchObject({ status: 'active', description: 'deploys' });
    expect(await findClient(tenant.realm, clientId)).toMatchObject({ enabled: true, description: 'deploys' });
    expect((await tryClientCredentials(tenant.realm, clientId, secret)).status).toBe(200);
    expect((await apiClient(app.baseUrl, saToken).get('/v1/me')).status).toBe(200);
    expect((await auditRows(id)).map((e) => e.action)).toEqual(
      expect.arrayContaining(['service_account.disabled', 'service_account.enabled', 'service_account.updated']),
    );
  });

  it('when the SA is deleted, then 204, the client is gone, grants fail, the earlier token is refused and the name is free', async () => {
    const deleted = await alice.delete(`/v1/service-accounts/${id}`);
    expect(deleted.status).toBe(204);
    expect(await findClient(tenant.realm, clientId)).toBeUndefined();
    const row = await app.deps.db.prisma.serviceAccount.findUniqueOrThrow({ where: { id } });
    expect(row.status).toBe('deleted');
    expect(row.deletedAt).toBeInstanceOf(Date);
    expect((await tryClientCredentials(tenant.realm, clientId, secret)).status).toBe(401);
    const refused = await apiClient(app.baseUrl, saToken).get('/v1/service-accounts');
    expect(refused.status).toBe(401);
    expect(refused.body.detail).toMatch(/deleted/);
    expect((await alice.get(`/v1/service-accounts/${id}`)).status).toBe(404);
    expect((await auditRows(id)).at(-1)).toMatchObject({ action: 'service_account.deleted', outcome: 'success' });

    const again = await alice.post('/v1/service-accounts', { name: 'ci-pipeline' });
    expect(again.status).toBe(201);
    expect(again.body.id).not.toBe(id);
    issuedSecrets.push(again.body.client_secret);
  });
});

describe('listing', () => {
  it('when SAs are listed, then newest first with an opaque cursor that pages through all of them', async () => {
    for (const name of ['list-a', 'list-b', 'list-c', 'list-d', 'list-e']) {
      const created = await alice.post('/v1/service-accounts', { name, description: `about ${name}` });
      expect(created.status).toBe(201);
      issuedSecrets.push(created.body.client_secret);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<ApiClient['get']>> = await alice.get(`/v1/service-accounts?q=list-&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((i: { name: string }) => i.name));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual(['list-e', 'list-d', 'list-c', 'list-b', 'list-a']);
  });

  it('when filtering by q and status, then only matching SAs come back', async () => {
    const byDescription = await alice.get('/v1/service-accounts?q=ABOUT%20LIST-C');
    expect(byDescription.body.items.map((i: { name: string }) => i.name)).toEqual(['list-c']);
    const target = byDescription.body.items[0].id;
    expect((await alice.patch(`/v1/service-accounts/${target}`, { enabled: false })).status).toBe(200);
    const disabled = await alice.get('/v1/service-accounts?status=disabled');
    expect(disabled.body.items.map((i: { name: string }) => i.name)).toEqual(['list-c']);
    const active = await alice.get('/v1/service-accounts?status=active&q=list-');
    expect(active.body.items.map((i: { name: string }) => i.name)).toEqual(['list-e', 'list-d', 'list-b', 'list-a']);
  });
});

describe('audit trail', () => {
  it('when alice reads audit events, then they are filtered by action, actor, target and time, and cursor-paged', async () => {
    const all = await alice.get('/v1/audit-events?limit=100');
    expect(all.status).toBe(200);
    expect(all.body.items.length).toBeGreaterThan(8);
    const created = await alice.get('/v1/audit-events?action=service_account.created&limit=3');
    expect(created.body.items).toHaveLength(3);
    expect(created.body.items.every((e: { action: string }) => e.action === 'service_account.created')).toBe(true);
    expect(created.body.items[0]).toMatchObject({ actor: { type: 'user', name: 'alice' }, outcome: 'success', tenant: tenant.realm });
    expect(created.body.items[0].request_id).toMatch(/^req_/);
    expect(created.body.items[0].ip).toMatch(/127\.0\.0\.1/);
    expect(created.body.next_cursor).toEqual(expect.any(String));
    const next = await alice.get(`/v1/audit-events?action=service_account.created&limit=3&cursor=${created.body.next_cursor}`);
    const firstIds = created.body.items.map((e: { id: string }) => e.id);
    for (const e of next.body.items) expect(firstIds).not.toContain(e.id);

    const actorId = created.body.items[0].actor.id;
    const byActor = await alice.get(`/v1/audit-events?actor=${actorId}&limit=100`);
    expect(byActor.body.items.length).toBe(all.body.items.filter((e: { actor: { id: string } }) => e.actor.id === actorId).length);
    const target = created.body.items[0].target.id;
    const byTarget = await alice.get(`/v1/audit-events?target=${target}`);
    expect(byTarget.body.items.every((e: { target: { id: string } }) => e.target.id === target)).toBe(true);
    const future = await alice.get(`/v1/audit-events?since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`);
    expect(future.body.items).toEqual([]);
    const past = await alice.get(`/v1/audit-events?until=${encodeURIComponent(new Date(Date.now() - 3_600_000).toISOString())}`);
    expect(past.body.items).toEqual([]);
  });
});
