// Two bridges with their own databases on one Keycloak and one realm: each stamps its deployment
// id on its clients and names its exchange client, rotation policy and portal mappers after it,
// so their reconcilers, run for several periods, never delete or rewrite each other's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient } from '../support/api.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { createTestRealm, passwordGrant, type TestRealm } from '../support/keycloak.ts';
import { clientMapperNames, clientPolicyNames, findClient, tryClientCredentials } from '../support/keycloak-inspect.ts';
import { expectNoSecretLeaked } from '../support/leaks.ts';

let tenant: TestRealm;
let blue: TestApp;
let green: TestApp;
const secrets: string[] = [];

beforeAll(async () => {
  tenant = await createTestRealm('deploy');
  blue = await startTestApp({ realms: [tenant.realm] });
  green = await startTestApp({ realms: [tenant.realm] });
});

afterAll(async () => {
  if (blue && secrets.length > 0) await expectNoSecretLeaked(blue, secrets);
  await blue?.close();
  await green?.close();
  await tenant?.remove();
});

describe('two deployments on one Keycloak', () => {
  it('when both reconcile for several periods, then neither deletes or rewrites the other\'s clients, exchange client, rotation policy or portal mappers', async () => {
    expect(blue.deps.deploymentId).not.toBe(green.deps.deploymentId);
    const token = (await passwordGrant(tenant.realm, 'alice')).access_token;
    const created = [];
    for (const [app, name] of [
      [blue, 'blue-one'],
      [blue, 'blue-two'],
      [green, 'green-one'],
    ] as const) {
      const sa = await apiClient(app.baseUrl, token).post('/v1/service-accounts', { name });
      expect(sa.status).toBe(201);
      secrets.push(sa.body.client_secret);
      created.push(sa.body as { client_id: string; client_secret: string });
    }
    expect((await findClient(tenant.realm, created[0]!.client_id)).attributes['sa-bridge.deployment']).toBe(blue.deps.deploymentId);
    expect((await findClient(tenant.realm, created[2]!.client_id)).attributes['sa-bridge.deployment']).toBe(green.deps.deploymentId);

    blue.deps.reconciler.start(400);
    green.deps.reconciler.start(400);
    try {
      await new Promise((resolve) => setTimeout(resolve, 4000));
    } finally {
      await blue.deps.reconciler.stop();
      await green.deps.reconciler.stop();
    }
    for (const app of [blue, green]) {
      const report = await app.deps.reconciler.runOnce();
      expect(report).toMatchObject({ orphanClientsRemoved: [], driftRepaired: [], clientsMissing: [], ownerChanges: [], failures: 0 });
    }
    const removals = await Promise.all([blue, green].map((app) => app.deps.db.prisma.auditEvent.count({ where: { actorName: 'reconciler' } })));
    expect(removals).toEqual([0, 0]);

    for (const sa of created) expect((await tryClientCredentials(tenant.realm, sa.client_id, sa.client_secret)).status).toBe(200);
    for (const app of [blue, green]) {
      expect(await findClient(tenant.realm, `sa-bridge-exchange-${app.deps.deploymentId}`)).toBeDefined();
      expect(await clientPolicyNames(tenant.realm)).toContain(`sa-bridge-secret-rotation-${app.deps.deploymentId}`);
    }
    const portalMappers = await clientMapperNames(tenant.realm, 'portal');
    for (const app of [blue, green]) {
      expect(portalMappers).toEqual(expect.arrayContaining([`sa-bridge:${app.deps.deploymentId}:bridge-audience`, `sa-bridge:${app.deps.deploymentId}:exchange-audience`]));
    }
    // A person's token may be exchanged through either deployment.
    const person = (await passwordGrant(tenant.realm, 'alice')).access_token;
    secrets.push(person);
    const aud = (JSON.parse(Buffer.from(person.split('.')[1]!, 'base64url').toString('utf8')) as { aud: string[] }).aud;
    expect(aud).toEqual(expect.arrayContaining([`sa-bridge-exchange-${blue.deps.deploymentId}`, `sa-bridge-exchange-${green.deps.deploymentId}`]));
  });

  it("when one deployment's SA is deleted, then only its client goes and the other's orphan rule does not fire", async () => {
    const token = (await passwordGrant(tenant.realm, 'alice')).access_token;
    const mine = await apiClient(green.baseUrl, token).post('/v1/service-accounts', { name: 'green-two' });
    secrets.push(mine.body.client_secret);
    // Green's client has no row in blue's database: to blue it is not an orphan of its own.
    expect((await blue.deps.reconciler.runOnce()).orphanClientsRemoved).toEqual([]);
    expect(await findClient(tenant.realm, mine.body.client_id)).toBeDefined();
    expect((await apiClient(green.baseUrl, token).delete(`/v1/service-accounts/${mine.body.id}`)).status).toBe(204);
    expect(await findClient(tenant.realm, mine.body.client_id)).toBeUndefined();
  });

  it('when replicas share a database, then a periodic pass checks each tenant in one of them per half period', async () => {
    const replica = await startTestApp({ realms: [tenant.realm], replicaOf: blue });
    try {
      await blue.deps.db.prisma.tenant.update({ where: { realm: tenant.realm }, data: { reconciledAt: null } });
      expect(await blue.deps.tenantRepository.claimReconcilePass(tenant.realm, 60_000)).toBe(true);
      expect(await replica.deps.tenantRepository.claimReconcilePass(tenant.realm, 60_000)).toBe(false);
      expect(await blue.deps.tenantRepository.claimReconcilePass(tenant.realm, 60_000)).toBe(false);
      expect(await replica.deps.tenantRepository.claimReconcilePass(tenant.realm, 0)).toBe(true);
    } finally {
      await replica.close();
    }
  });
});
