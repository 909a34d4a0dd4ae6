// Rotation without downtime: grace periods at Keycloak's token endpoint, early end, secret
// expiry enforced by Keycloak, scheduled rotation run once across two bridges, usage, webhooks.
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { openDatabase } from '../../src/db/client.ts';
import { createDependencies } from '../../src/dependencies.ts';
import { createLogger } from '../../src/logging/logger.ts';
import type { TestApp } from '../support/app.ts';
import { apiClient, type ApiClient } from '../support/api.ts';
import { tryClientCredentials } from '../support/keycloak-inspect.ts';
import { passwordGrant, testKeycloak, type TestRealm } from '../support/keycloak.ts';
import { useTenantApp } from '../support/tenant-app.ts';
import { startWebhookReceiver } from '../support/webhook-receiver.ts';

const fixture = useTenantApp('rot', { env: { MIN_SECRET_AGE_SECONDS: '1', WEBHOOK_ALLOW_INSECURE_URLS: 'true', WEBHOOK_BACKOFF_BASE_MS: '50' } });
let app: TestApp;
let tenant: TestRealm;
let alice: ApiClient;
let root: ApiClient;
const secrets = fixture.secrets;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  ({ app, tenant } = fixture);
  alice = await fixture.as('alice');
  root = await fixture.as('root', 'platform');
});

async function createSa(name: string, body: Record<string, unknown> = {}) {
  const response = await alice.post('/v1/service-accounts', { name, ...body });
  expect(response.status).toBe(201);
  secrets.push(response.body.client_secret);
  return response.body as { id: string; client_id: string; client_secret: string; secret_expires_at: string };
}

const grant = (clientId: string, secret: string) => tryClientCredentials(tenant.realm, clientId, secret).then((r) => r.status);

describe('grace rotation', () => {
  it('when rotated with a grace period, then both secrets work until the deadline and only the new one after it', async () => {
    const sa = await createSa('graceful');
    const before = Date.now();
    const rotated = await alice.post(`/v1/service-accounts/${sa.id}/regenerate-secret`, { grace_period: 4 });
    expect(rotated.status).toBe(200);
    secrets.push(rotated.body.client_secret);
    const deadline = new Date(rotated.body.previous_secret_expires_at).getTime();
    expect(deadline).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 4000);
    expect(deadline).toBeLessThanOrEqual(before + 6000);
    expect(await grant(sa.client_id, sa.client_secret)).toBe(200);
    expect(await grant(sa.client_id, rotated.body.client_secret)).toBe(200);
    await sleep(deadline - Date.now() + 1500);
    expect(await grant(sa.client_id, sa.client_secret)).toBe(401);
    expect(await grant(sa.client_id, rotated.body.client_secret)).toBe(200);
    const row = await app.deps.db.prisma.serviceAccount.findUniqueOrThrow({ where: { id: sa.id } });
    expect(row.previousSecretExpiresAt!.getTime()).toBe(deadline);
    const audit = await app.deps.db.prisma.auditEvent.findFirstOrThrow({ where: { targetId: sa.id, action: 'service_account.secret_regenerated' } });
    expect(audit.details).toMatchObject({ trigger: 'manual', grace_period: 4 });
  });

  it('when the grace period is ended early, then the old secret fails at once and the new one works', async () => {
    const sa = await createSa('early-end');
    const rotated = await alice.post(`/v1/service-accounts/${sa.id}/regenerate-secret`, { grace_period: 600 });
    secrets.push(rotated.body.client_secret);
    expect(await grant(sa.client_id, sa.client_secret)).toBe(200);
    const ended = await alice.delete(`/v1/service-accounts/${sa.id}/previous-secret`);
    expect(ended.status).toBe(200);
    expect(ended.body.previous_secret_expires_at).toBeNull();
    expect(await grant(sa.client_id, sa.client_secret)).toBe(401);
    expect(await grant(sa.client_id, rotated.body.client_secret)).toBe(200);
    expect(await app.deps.db.prisma.auditEvent.count({ where: { targetId: sa.id, action: 'service_account.previous_secret_revoked', outcome: 'success' } })).toBe(1);
    const again = await alice.delete(`/v1/service-accounts/${sa.id}/previous-secret`);
    expect(again.status).toBe(409);
  });

  it('when rotated without a grace period, then the old secret fails at once', async () => {
    const sa = await createSa('immediate');
    const rotated = await alice.post(`/v1/service-accounts/${sa.id}/regenerate-secret`);
    secrets.push(rotated.body.client_secret);
    expect(rotated.body.previous_secret_expires_at).toBeNull();
    expect(await grant(sa.client_id, sa.client_secret)).toBe(401);
    expect(await grant(sa.client_id, rotated.body.client_secret)).toBe(200);
  });

  it('when the grace period exceeds the tenant maximum, then 400 and the secret is unchanged', async () => {
    const sa = await createSa('too-graceful');
    const response = await alice.post(`/v1/service-accounts/${sa.id}/regenerate-secret`, { grace_period: 604_801 });
    expect(response.status).toBe(400);
    expect(response.body.errors[0].path).toBe('body.grace_period');
    expect(await grant(sa.client_id, sa.client_secret)).toBe(200);
  });
});

describe('tenant policy and secret expiry', () => {
  it('when a tenant-admin reads the policy, then 200; when she changes it, then 403 and an audit event', async () => {
    const read = await alice.get(`/v1/tenants/${tenant.realm}/policy`);
    expect(read.body).toMatchObject({ tenant: tenant.realm, max_secret_age_seconds: 7_776_000, max_grace_period_seconds: 604_800 });
    const denied = await alice.patch(`/v1/tenants/${tenant.realm}/policy`, { max_secret_age_seconds: 100 });
    expect(denied.status).toBe(403);
    expect(await app.deps.db.prisma.auditEvent.count({ where: { action: 'tenant.policy_updated', outcome: 'denied' } })).toBe(1);
  });

  it('when the secret passes the maximum age, then Keycloak refuses it, an expiry webhook is queued, and rotation resets the clock', async () => {
    const changed = await root.patch(`/v1/tenants/${tenant.realm}/policy`, { max_secret_age_seconds: 4, max_grace_period_seconds: 2 });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ max_secret_age_seconds: 4, max_grace_period_seconds: 2 });
    try {
      const sa = await createSa('short-lived');
      const expiresAt = new Date(sa.secret_expires_at).getTime();
      expect(expiresAt - Date.now()).toBeLessThanOrEqual(4000);
      expect(await grant(sa.client_id, sa.client_secret)).toBe(200);
      await sleep(expiresAt - Date.now() + 1500);
      expect(await grant(sa.client_id, sa.client_secret)).toBe(401);
      expect(await app.deps.jobs.notifyExpiries()).toBeGreaterThanOrEqual(1);
      expect((await app.deps.db.prisma.serviceAccount.findUniqueOrThrow({ where: { id: sa.id } })).expiryNoticeSent).toBe(0);
      expect(await app.deps.db.prisma.auditEvent.count({ where: { targetId: sa.id, action: 'service_account.secret_expired', actorName: 'expiry-notifier' } })).toBe(1);
      expect(await app.deps.jobs.notifyExpiries()).toBe(0);

      const rotated = await alice.post(`/v1/service-accounts/${sa.id}/regenerate-secret`);
      secrets.push(rotated.body.client_secret);
      expect(new Date(rotated.body.secret_expires_at).getTime()).toBeGreaterThan(Date.now());
      expect(await grant(sa.client_id, rotated.body.client_secret)).toBe(200);
    } finally {
      const restored = await root.patch(`/v1/tenants/${tenant.realm}/policy`, { max_secret_age_seconds: 7_776_000, max_grace_period_seconds: 604_800 });
      expect(restored.status).toBe(200);
    }
  });

  it('when a cpi-admin sets a grace above the secret age, then 400', async () => {
    const response = await root.patch(`/v1/tenants/${tenant.realm}/policy`, { max_secret_age_seconds: 100, max_grace_period_seconds: 200 });
    expect(response.status).toBe(400);
  });
});

describe('scheduled rotation', () => {
  it('when the rotation policy is outside the tenant policy, then 400', async () => {
    const response = await alice.post('/v1/service-accounts', { name: 'bad-rotation', rotation: { enabled: true, interval_days: 90 } });
    expect(response.status).toBe(400);
    expect(response.body.errors[0].path).toBe('body.rotation.interval_days');
  });

  it('when two bridges share the database and a rotation is due, then exactly one rotation happens', async () => {
    const sa = await createSa('scheduled', { rotation: { enabled: true, interval_days: 30, grace_period_hours: 1 } });
    const created = await alice.get(`/v1/service-accounts/${sa.id}`);
    expect(created.body.rotation).toMatchObject({ enabled: true, interval_days: 30, grace_period_hours: 1 });
    expect(new Date(created.body.rotation.next_rotation_at).getTime() - new Date(created.body.secret_rotated_at).getTime()).toBe(30 * 86_400_000);
    await app.deps.db.prisma.serviceAccount.update({ where: { id: sa.id }, data: { nextRotationAt: new Date(Date.now() - 1000) } });

    // A second bridge: its own database connections and Keycloak adapter, the same database.
    const kc = testKeycloak();
    const second = app.dbUrl ? await openDatabase({ kind: 'postgres', url: app.dbUrl }) : undefined;
    const secondDeps = second
      ? createDependencies({
          config: loadConfig({ KEYCLOAK_URL: kc.url, KEYCLOAK_ADMIN_CLIENT_SECRET: kc.bridgeAdmin.clientSecret }),
          logger: createLogger('silent'),
          db: second,
          keycloak: { url: kc.url, publicUrl: kc.url, adminRealm: 'master', adminClientId: kc.bridgeAdmin.clientId, adminClientSecret: kc.bridgeAdmin.clientSecret },
          deploymentId: app.deps.deploymentId,
        })
      : undefined;
    try {
      const results = await Promise.all([app.deps.jobs.rotateDue(), secondDeps ? secondDeps.jobs.rotateDue() : Promise.resolve([])]);
      expect(results.flat()).toEqual([sa.id]);
    } finally {
      await second?.close();
    }
    const rotations = await app.deps.db.prisma.auditEvent.findMany({ where: { targetId: sa.id, action: 'service_account.secret_regenerated' } });
    expect(rotations).toHaveLength(1);
    expect(rotations[0]).toMatchObject({ actorType: 'system', actorName: 'rotation-scheduler', details: expect.objectContaining({ trigger: 'scheduled', grace_period: 3600 }) });
    const row = await app.deps.db.prisma.serviceAccount.findUniqueOrThrow({ where: { id: sa.id } });
    expect(row.nextRotationAt!.getTime()).toBeGreaterThan(Date.now() + 29 * 86_400_000);
    // The grace period applies: the workload's current secret keeps working for the hour.
    expect(await grant(sa.client_id, sa.client_secret)).toBe(200);
    expect(await app.deps.jobs.rotateDue()).toEqual([]);
  });
});

describe('usage', () => {
  it('when the SA obtains a token, then last_used_at moves, and the unused filter sees it', async () => {
    const sa = await createSa('used-one');
    const idle = await createSa('idle-one');
    await app.deps.db.prisma.serviceAccount.updateMany({ where: { id: { in: [sa.id, idle.id] } }, data: { createdAt: new Date(Date.now() - 10 * 86_400_000) } });
    expect((await alice.get(`/v1/service-accounts/${sa.id}`)).body.last_used_at).toBeNull();
    const before = Date.now();
    expect(await grant(sa.client_id, sa.client_secret)).toBe(200);
    await app.deps.jobs.collectUsage();
    const used = await alice.get(`/v1/service-accounts/${sa.id}`);
    expect(new Date(used.body.last_used_at).getTime()).toBeGreaterThanOrEqual(before - 1000);
    const unused = await alice.get('/v1/service-accounts?unused_for_days=5');
    const names = unused.body.items.map((i: { name: string }) => i.name);
    expect(names).toContain('idle-one');
    expect(names).not.toContain('used-one');
  });
});

describe('webhooks', () => {
  it('when events happen, then signed deliveries without secrets arrive, failures are retried with backoff, and outcomes are recorded', async () => {
    const receiver = await startWebhookReceiver([500, 503]);
    try {
      const registered = await alice.post('/v1/webhooks', {
        url: receiver.url,
        events: ['service_account.created', 'service_account.secret_rotated', 'service_account.deleted'],
      });
      expect(registered.status).toBe(201);
      const signingSecret: string = registered.body.signing_secret;
      expect(signingSecret).toMatch(/^whsec_/);
      secrets.push(signingSecret);
      expect((await alice.get('/v1/webhooks')).body.items[0]).not.toHaveProperty('signing_secret');

      const sa = await createSa('hooked');
      const rotated = await alice.post(`/v1/service-accounts/${sa.id}/regenerate-secret`, { grace_period: 60 });
      secrets.push(rotated.body.client_secret);
      expect((await alice.delete(`/v1/service-accounts/${sa.id}`)).status).toBe(204);

      // First round: the receiver fails the first two; retries follow the backoff.
      for (let round = 0; round < 6 && receiver.received.filter((r) => r.status === 200).length < 3; round += 1) {
        await app.deps.jobs.dispatchWebhooks();
        await sleep(250);
      }
      const ok = receiver.received.filter((r) => r.status === 200);
      expect(ok.map((r) => JSON.parse(r.body).type).sort()).toEqual(['service_account.created', 'service_account.deleted', 'service_account.secret_rotated']);
      expect(receiver.received.length).toBe(5);
      for (const delivery of receiver.received) {
        expect(new Webhook(signingSecret).verify(delivery.body, delivery.headers as Record<string, string>)).toEqual(JSON.parse(delivery.body));
        expect(() => new Webhook(`whsec_${randomBytes(32).toString('base64')}`).verify(delivery.body, delivery.headers as Record<string, string>)).toThrow();
        expect(delivery.body).not.toContain(sa.client_secret);
        expect(delivery.body).not.toContain(rotated.body.client_secret);
        expect(delivery.body).not.toContain('client_secret');
      }
      const rotatedEvent = JSON.parse(ok.find((r) => JSON.parse(r.body).type === 'service_account.secret_rotated')!.body);
      expect(rotatedEvent).toMatchObject({ tenant: tenant.realm, data: { service_account: { id: sa.id, client_id: sa.client_id }, grace_period: 60 } });

      const deliveries = await alice.get(`/v1/webhooks/${registered.body.id}/deliveries`);
      expect(deliveries.body.items).toHaveLength(3);
      expect(deliveries.body.items.every((d: { status: string }) => d.status === 'delivered')).toBe(true);
      expect(deliveries.body.items.map((d: { attempts: number }) => d.attempts).reduce((a: number, b: number) => a + b, 0)).toBe(5);
    } finally {
      await receiver.close();
    }
  });

  it('when a viewer registers a webhook, then 403; when the URL is not http(s), then 400', async () => {
    const vic = apiClient(app.baseUrl, (await passwordGrant(tenant.realm, 'vic')).access_token);
    expect((await vic.post('/v1/webhooks', { url: 'https://example.com/h', events: ['service_account.created'] })).status).toBe(403);
    expect((await alice.post('/v1/webhooks', { url: 'ftp://example.com/h', events: ['service_account.created'] })).status).toBe(400);
    expect((await alice.post('/v1/webhooks', { url: 'https://example.com/h', events: ['nope'] })).status).toBe(400);
  });
});
