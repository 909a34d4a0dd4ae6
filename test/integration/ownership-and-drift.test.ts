// The bridge's picture of each SA follows Keycloak: an owner who loses the inherited role, is
// disabled or deleted changes the SAs they created (per tenant policy); a client changed by hand
// is repaired and shown as a condition; a client deleted by hand marks its SA failed.
import { decodeJwt } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../support/api.ts';
import {
  addClientMapper,
  changeClient,
  changeUserRealmRoles,
  clientMapperNames,
  deleteClient,
  deleteUser,
  findClient,
  serviceAccountRealmRoles,
  tryClientCredentials,
  updateUser,
} from '../support/keycloak-inspect.ts';
import { clientCredentialsGrant, testKeycloak } from '../support/keycloak.ts';
import { useTenantApp } from '../support/tenant-app.ts';

// A full owner check only at the first pass: later changes must be found through admin events.
const fixture = useTenantApp('owner', { env: { OWNER_FULL_CHECK_INTERVAL_MS: '3600000', WEBHOOK_ALLOW_INSECURE_URLS: 'true', JOBS_INTERVAL_MS: '0' } });
const secrets = fixture.secrets;

let alice: ApiClient;
let dave: ApiClient;
let dora: ApiClient;

beforeAll(async () => {
  alice = await fixture.as('alice');
  dave = await fixture.as('dave');
  dora = await fixture.as('dora');
  const hook = await alice.post('/v1/webhooks', { url: 'http://127.0.0.1:9/owner-events', events: ['service_account.owner_changed'] });
  expect(hook.status).toBe(201);
  secrets.push(hook.body.signing_secret);
  // The first pass sets the admin-event cursor and checks every owner once.
  await fixture.app.deps.reconciler.runOnce();
});

async function createSa(client: ApiClient, name: string, body: Record<string, unknown> = {}) {
  const created = await client.post('/v1/service-accounts', { name, ...body });
  expect(created.status).toBe(201);
  secrets.push(created.body.client_secret);
  return created.body as { id: string; client_id: string; client_secret: string; role: string };
}

const rowOf = (id: string) => fixture.app.deps.db.prisma.serviceAccount.findUniqueOrThrow({ where: { id } });
const setOwnerPolicy = async (policy: 'downgrade' | 'disable' | 'keep') => {
  const changed = await (await fixture.as('root', 'platform')).patch(`/v1/tenants/${fixture.tenant.realm}/policy`, { on_owner_change: policy });
  expect(changed.status).toBe(200);
  expect(changed.body.on_owner_change).toBe(policy);
};

describe('owner changes', () => {
  it("when alice loses tenant-admin (keeping viewer), then within one reconcile pass her SAs are downgraded to viewer, their tokens carry viewer, and it is audited", async () => {
    const sa = await createSa(alice, 'alice-pipeline');
    const devopsSa = await createSa(alice, 'alice-low', { role: 'viewer' });
    expect(sa.role).toBe('tenant-admin');
    await changeUserRealmRoles(fixture.tenant.realm, 'alice', { add: ['viewer'], remove: ['tenant-admin'] });

    const report = await fixture.app.deps.reconciler.runOnce();
    expect(report.ownerChanges).toEqual([sa.id]);
    const row = await rowOf(sa.id);
    expect(row.role).toBe('viewer');
    expect(row.status).toBe('active');
    const client = await findClient(fixture.tenant.realm, sa.client_id);
    expect(await serviceAccountRealmRoles(fixture.tenant.realm, client.id)).toEqual(expect.arrayContaining(['viewer']));
    expect(await serviceAccountRealmRoles(fixture.tenant.realm, client.id)).not.toContain('tenant-admin');
    const token = (await tryClientCredentials(fixture.tenant.realm, sa.client_id, sa.client_secret)).token!;
    secrets.push(token);
    const roles = (decodeJwt(token) as { realm_access: { roles: string[] } }).realm_access.roles;
    expect(roles).toContain('viewer');
    expect(roles).not.toContain('tenant-admin');
    // The SA that already had a role alice still holds is untouched.
    expect((await rowOf(devopsSa.id)).role).toBe('viewer');

    const shown = await (await fixture.as('dave')).get(`/v1/service-accounts/${sa.id}`);
    expect(shown.body.role).toBe('viewer');
    expect(shown.body.conditions).toEqual(
      expect.arrayContaining([expect.objectContaining({ type: 'OwnerChanged', status: 'True', reason: 'OwnerRoleLowered', message: expect.stringContaining('downgraded from tenant-admin to viewer') })]),
    );
    const audit = await fixture.app.deps.db.prisma.auditEvent.findFirstOrThrow({ where: { action: 'service_account.owner_changed', targetId: sa.id } });
    expect(audit).toMatchObject({ actorType: 'system', actorName: 'reconciler', outcome: 'success' });
    expect(audit.details).toMatchObject({ action: 'downgraded', from_role: 'tenant-admin', to_role: 'viewer', policy: 'downgrade', owner_state: 'enabled' });
    const delivery = await fixture.app.deps.db.prisma.webhookDelivery.findFirstOrThrow({ where: { event: 'service_account.owner_changed' } });
    expect(delivery.payload).toMatchObject({ data: { service_account: { id: sa.id, role: 'viewer' }, owner_change: { action: 'downgraded' } } });
    // Nothing more to do on the next pass.
    expect((await fixture.app.deps.reconciler.runOnce()).ownerChanges).toEqual([]);
    await changeUserRealmRoles(fixture.tenant.realm, 'alice', { add: ['tenant-admin'], remove: ['viewer'] });
  });

  it('when the policy is disable and dave is disabled in Keycloak, then his SAs are disabled and their tokens refused', async () => {
    await setOwnerPolicy('disable');
    const sa = await createSa(dave, 'dave-pipeline');
    const token = (await tryClientCredentials(fixture.tenant.realm, sa.client_id, sa.client_secret)).token!;
    secrets.push(token);
    await updateUser(fixture.tenant.realm, 'dave', { enabled: false });
    try {
      const report = await fixture.app.deps.reconciler.runOnce();
      expect(report.ownerChanges).toContain(sa.id);
      expect((await rowOf(sa.id)).status).toBe('disabled');
      expect((await findClient(fixture.tenant.realm, sa.client_id)).enabled).toBe(false);
      expect((await tryClientCredentials(fixture.tenant.realm, sa.client_id, sa.client_secret)).status).toBe(401);
      const audit = await fixture.app.deps.db.prisma.auditEvent.findFirstOrThrow({ where: { action: 'service_account.owner_changed', targetId: sa.id } });
      expect(audit.details).toMatchObject({ action: 'disabled', owner_state: 'disabled', policy: 'disable' });
    } finally {
      await updateUser(fixture.tenant.realm, 'dave', { enabled: true });
    }
  });

  it('when the policy is keep and dora is deleted, then her SA stays active, flagged and audited once', async () => {
    await setOwnerPolicy('keep');
    const sa = await createSa(dora, 'dora-pipeline');
    await deleteUser(fixture.tenant.realm, 'dora');
    const report = await fixture.app.deps.reconciler.runOnce();
    expect(report.ownerChanges).toEqual([sa.id]);
    const row = await rowOf(sa.id);
    expect(row.status).toBe('active');
    expect(row.conditions).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'OwnerChanged', status: 'True', reason: 'OwnerDeleted' })]));
    expect((await tryClientCredentials(fixture.tenant.realm, sa.client_id, sa.client_secret)).status).toBe(200);
    expect((await fixture.app.deps.reconciler.runOnce()).ownerChanges).toEqual([]);
    const audits = await fixture.app.deps.db.prisma.auditEvent.findMany({ where: { action: 'service_account.owner_changed', targetId: sa.id } });
    expect(audits).toHaveLength(1);
    expect(audits[0]!.details).toMatchObject({ action: 'kept', owner_state: 'deleted' });
    await setOwnerPolicy('downgrade');
  });

  it('when the reconciler runs on its own period, then an owner change is followed within it', async () => {
    const sa = await createSa(alice, 'alice-periodic');
    const reconciler = fixture.app.deps.reconciler;
    reconciler.start(1000);
    try {
      await changeUserRealmRoles(fixture.tenant.realm, 'alice', { add: ['devops'], remove: ['tenant-admin'] });
      const deadline = Date.now() + 10_000;
      while ((await rowOf(sa.id)).role !== 'devops') {
        if (Date.now() > deadline) throw new Error('not downgraded within 10 s of a 1 s period');
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    } finally {
      await reconciler.stop();
      await changeUserRealmRoles(fixture.tenant.realm, 'alice', { add: ['tenant-admin'], remove: ['devops'] });
    }
  });
});

describe('config drift', () => {
  it('when an SA client is changed by hand (enabled, a role mapping, a mapper, a flow), then the reconciler repairs it and shows a Drifted condition', async () => {
    const sa = await createSa(alice, 'drifting', { role: 'devops', claims: { team: 'payments' } });
    const realm = fixture.tenant.realm;
    const client = await findClient(realm, sa.client_id);
    const mappersBefore = await clientMapperNames(realm, sa.client_id);
    await changeClient(realm, sa.client_id, { enabled: false, directAccessGrantsEnabled: true });
    await addClientMapper(realm, sa.client_id, {
      name: 'sneaky-admin',
      protocol: 'openid-connect',
      protocolMapper: 'oidc-hardcoded-claim-mapper',
      config: { 'claim.name': 'is_admin', 'claim.value': 'true', 'access.token.claim': 'true' },
    });
    const roleRow = await rowOf(sa.id);
    await changeUserRealmRolesOfServiceAccount(realm, roleRow.keycloakUserId!, ['tenant-admin']);

    const report = await fixture.app.deps.reconciler.runOnce();
    expect(report.driftRepaired).toEqual([sa.id]);
    const repaired = await findClient(realm, sa.client_id);
    expect(repaired).toMatchObject({ enabled: true, directAccessGrantsEnabled: false });
    expect(await clientMapperNames(realm, sa.client_id)).toEqual(mappersBefore);
    expect(await serviceAccountRealmRoles(realm, client.id)).not.toContain('tenant-admin');
    expect(await serviceAccountRealmRoles(realm, client.id)).toContain('devops');
    const token = (await tryClientCredentials(realm, sa.client_id, sa.client_secret)).token!;
    secrets.push(token);
    expect(decodeJwt(token)).toMatchObject({ team: 'payments' });
    expect(decodeJwt(token).is_admin).toBeUndefined();

    const shown = await alice.get(`/v1/service-accounts/${sa.id}`);
    const drifted = shown.body.conditions.find((c: { type: string }) => c.type === 'Drifted');
    expect(drifted).toMatchObject({ status: 'False', reason: 'Repaired' });
    expect(drifted.message).toMatch(/enabled/);
    expect(drifted.message).toMatch(/directAccessGrantsEnabled/);
    expect(drifted.message).toMatch(/mapper sneaky-admin/);
    expect(drifted.message).toMatch(/role tenant-admin/);
    expect(shown.body.conditions.find((c: { type: string }) => c.type === 'Ready')).toMatchObject({ status: 'True', reason: 'InSync' });
    const audit = await fixture.app.deps.db.prisma.auditEvent.findFirstOrThrow({ where: { action: 'service_account.drift_repaired', targetId: sa.id } });
    expect(audit).toMatchObject({ actorName: 'reconciler' });
    // Repaired: the next pass finds nothing.
    expect((await fixture.app.deps.reconciler.runOnce()).driftRepaired).toEqual([]);
  });

  it('when an SA client is deleted by hand, then the SA shows failed with a condition, is not re-created, and can be deleted', async () => {
    const sa = await createSa(alice, 'hand-deleted');
    await deleteClient(fixture.tenant.realm, sa.client_id);
    const report = await fixture.app.deps.reconciler.runOnce();
    expect(report.clientsMissing).toEqual([sa.id]);
    expect(await findClient(fixture.tenant.realm, sa.client_id)).toBeUndefined();
    const shown = await alice.get(`/v1/service-accounts/${sa.id}`);
    expect(shown.body.status).toBe('failed');
    expect(shown.body.conditions).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'Ready', status: 'False', reason: 'ClientMissing' })]));
    expect((await alice.get('/v1/service-accounts?status=failed')).body.items.map((i: { id: string }) => i.id)).toEqual([sa.id]);
    expect((await alice.patch(`/v1/service-accounts/${sa.id}`, { enabled: true })).body.code).toBe('invalid_state');
    expect((await fixture.app.deps.reconciler.runOnce()).clientsMissing).toEqual([]);
    expect(await findClient(fixture.tenant.realm, sa.client_id)).toBeUndefined();
    expect(await fixture.app.deps.db.prisma.auditEvent.findFirst({ where: { action: 'service_account.client_missing', targetId: sa.id } })).not.toBeNull();
    expect((await alice.delete(`/v1/service-accounts/${sa.id}`)).status).toBe(204);
    expect((await rowOf(sa.id)).status).toBe('deleted');
  });
});

/** Maps extra realm roles to an SA's service-account user, as an operator would by hand. */
async function changeUserRealmRolesOfServiceAccount(realm: string, userId: string, add: string[]): Promise<void> {
  const kc = testKeycloak();
  const { access_token } = await clientCredentialsGrant(kc.url, 'master', kc.bootstrapAdmin.clientId, kc.bootstrapAdmin.clientSecret);
  const headers = { authorization: `Bearer ${access_token}`, 'content-type': 'application/json' };
  const roles = await Promise.all(add.map(async (name) => (await fetch(`${kc.url}/admin/realms/${realm}/roles/${name}`, { headers })).json()));
  const response = await fetch(`${kc.url}/admin/realms/${realm}/users/${userId}/role-mappings/realm`, { method: 'POST', headers, body: JSON.stringify(roles) });
  expect(response.status).toBe(204);
}
