// Webhooks end to end: Standard Webhooks signatures checked with the `standardwebhooks` library,
// signing-secret rotation with an overlap, test pings, manual redelivery, and the destination
// check (registration and connect time) that keeps deliveries off internal addresses.
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, type ApiClient } from '../support/api.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { createTestRealm, passwordGrant, type TestRealm } from '../support/keycloak.ts';
import { expectNoSecretLeaked } from '../support/leaks.ts';
import { startWebhookReceiver, type ReceivedDelivery } from '../support/webhook-receiver.ts';

let tenant: TestRealm;
/** WEBHOOK_ALLOW_INSECURE_URLS=true: delivers to the loopback receiver. */
let devApp: TestApp;
/** WEBHOOK_ALLOW_INSECURE_URLS=false: what production runs. */
let strictApp: TestApp;
let alice: ApiClient;
let vic: ApiClient;
let strictAlice: ApiClient;
const devSecrets: string[] = [];
const strictSecrets: string[] = [];
let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  tenant = await createTestRealm('hooks');
  // One after the other: both configure the same realm at start.
  devApp = await startTestApp({ realms: [tenant.realm], env: { WEBHOOK_ALLOW_INSECURE_URLS: 'true', WEBHOOK_MAX_ATTEMPTS: '1' } });
  strictApp = await startTestApp({ realms: [tenant.realm], env: { WEBHOOK_ALLOW_INSECURE_URLS: 'false', WEBHOOK_MAX_ATTEMPTS: '1' } });
  const aliceToken = (await passwordGrant(tenant.realm, 'alice')).access_token;
  alice = apiClient(devApp.baseUrl, aliceToken);
  strictAlice = apiClient(strictApp.baseUrl, aliceToken);
  vic = apiClient(devApp.baseUrl, (await passwordGrant(tenant.realm, 'vic')).access_token);
  receiver = await startWebhookReceiver();
});

afterAll(async () => {
  await receiver?.close();
  if (devApp) await expectNoSecretLeaked(devApp, devSecrets);
  if (strictApp) await expectNoSecretLeaked(strictApp, strictSecrets);
  await devApp?.close();
  await strictApp?.close();
  await tenant?.remove();
});

async function register(client: ApiClient, url: string, secrets: string[], events = ['service_account.created']) {
  const response = await client.post('/v1/webhooks', { url, events });
  expect(response.status).toBe(201);
  secrets.push(response.body.signing_secret);
  return response.body as { id: string; signing_secret: string };
}

/** Deliveries that arrived since `from`. */
function arrivedSince(from: number): ReceivedDelivery[] {
  return receiver.received.slice(from);
}

const headersOf = (delivery: ReceivedDelivery) => delivery.headers as Record<string, string>;
const verifyWith = (secret: string, delivery: ReceivedDelivery) => new Webhook(secret).verify(delivery.body, headersOf(delivery));
const otherSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

describe('signatures and secret rotation', () => {
  it('when a webhook is registered, then its secret is whsec_ + base64 of 32 bytes and its deliveries verify with the standardwebhooks library', async () => {
    const hook = await register(alice, receiver.url, devSecrets);
    expect(hook.signing_secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const from = receiver.received.length;
    const sa = await alice.post('/v1/service-accounts', { name: 'signed-one' });
    expect(sa.status).toBe(201);
    devSecrets.push(sa.body.client_secret);
    await devApp.deps.jobs.dispatchWebhooks();
    const [delivery] = arrivedSince(from);
    expect(delivery).toBeDefined();
    expect(headersOf(delivery!)['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(verifyWith(hook.signing_secret, delivery!)).toMatchObject({ type: 'service_account.created', data: { service_account: { id: sa.body.id } } });
    expect(() => verifyWith(otherSecret(), delivery!)).toThrow();
    expect(await alice.delete(`/v1/webhooks/${hook.id}`)).toMatchObject({ status: 204 });
  });

  it('when the signing secret is rotated with an overlap, then deliveries verify with the old and the new secret until it ends and with only the new one after', async () => {
    const hook = await register(alice, receiver.url, devSecrets);
    const before = await devApp.deps.db.prisma.webhook.findUniqueOrThrow({ where: { id: hook.id } });

    const rotated = await alice.post(`/v1/webhooks/${hook.id}/rotate-secret`, { overlap_seconds: 3 });
    expect(rotated.status).toBe(200);
    expect(rotated.headers.get('cache-control')).toBe('no-store');
    const newSecret: string = rotated.body.signing_secret;
    devSecrets.push(newSecret);
    expect(newSecret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(newSecret).not.toBe(hook.signing_secret);
    const overlapEndsAt = new Date(rotated.body.previous_secret_expires_at).getTime();
    expect(overlapEndsAt - Date.now()).toBeGreaterThan(1000);
    expect(overlapEndsAt - Date.now()).toBeLessThanOrEqual(3000);

    const row = await devApp.deps.db.prisma.webhook.findUniqueOrThrow({ where: { id: hook.id } });
    expect(row.signingSecretEnc).not.toBe(before.signingSecretEnc);
    expect(row.previousSigningSecretEnc).toMatch(/^v1\./);
    expect(row.previousSigningSecretExpiresAt!.getTime()).toBe(overlapEndsAt);
    const audit = await devApp.deps.db.prisma.auditEvent.findFirstOrThrow({ where: { action: 'webhook.secret_rotated', targetId: hook.id } });
    expect(audit).toMatchObject({ outcome: 'success', actorName: 'alice', details: { overlap_seconds: 3, overlap_ends_at: new Date(overlapEndsAt).toISOString() } });
    const listed = (await alice.get('/v1/webhooks')).body.items.find((i: { id: string }) => i.id === hook.id);
    expect(listed).not.toHaveProperty('signing_secret');
    expect(listed.previous_secret_expires_at).toBe(new Date(overlapEndsAt).toISOString());

    // During the overlap: both signatures, the new one first.
    let from = receiver.received.length;
    expect((await alice.post(`/v1/webhooks/${hook.id}/ping`)).status).toBe(202);
    await devApp.deps.jobs.dispatchWebhooks();
    const during = arrivedSince(from);
    expect(during).toHaveLength(1);
    const signatures = headersOf(during[0]!)['webhook-signature']!.split(' ');
    expect(signatures).toHaveLength(2);
    expect(verifyWith(newSecret, during[0]!)).toMatchObject({ type: 'webhook.ping' });
    expect(verifyWith(hook.signing_secret, during[0]!)).toMatchObject({ type: 'webhook.ping' });
    expect(() => verifyWith(otherSecret(), during[0]!)).toThrow();
    expect(() => new Webhook(newSecret).verify(during[0]!.body, { ...headersOf(during[0]!), 'webhook-signature': signatures[0]! })).not.toThrow();

    // After the overlap: only the new secret.
    await sleep(overlapEndsAt - Date.now() + 300);
    from = receiver.received.length;
    expect((await alice.post(`/v1/webhooks/${hook.id}/ping`)).status).toBe(202);
    await devApp.deps.jobs.dispatchWebhooks();
    const after = arrivedSince(from);
    expect(after).toHaveLength(1);
    expect(headersOf(after[0]!)['webhook-signature']!.split(' ')).toHaveLength(1);
    expect(verifyWith(newSecret, after[0]!)).toMatchObject({ type: 'webhook.ping' });
    expect(() => verifyWith(hook.signing_secret, after[0]!)).toThrow();
    expect((await alice.get('/v1/webhooks')).body.items.find((i: { id: string }) => i.id === hook.id).previous_secret_expires_at).toBeNull();
    expect(await alice.delete(`/v1/webhooks/${hook.id}`)).toMatchObject({ status: 204 });
  });

  it('when the secret is rotated without an overlap, then the old secret stops signing at once', async () => {
    const hook = await register(alice, receiver.url, devSecrets);
    const rotated = await alice.post(`/v1/webhooks/${hook.id}/rotate-secret`, { overlap_seconds: 0 });
    expect(rotated.status).toBe(200);
    devSecrets.push(rotated.body.signing_secret);
    expect(rotated.body.previous_secret_expires_at).toBeNull();
    expect(await devApp.deps.db.prisma.webhook.findUniqueOrThrow({ where: { id: hook.id } })).toMatchObject({ previousSigningSecretEnc: null, previousSigningSecretExpiresAt: null });
    const from = receiver.received.length;
    await alice.post(`/v1/webhooks/${hook.id}/ping`);
    await devApp.deps.jobs.dispatchWebhooks();
    const [delivery] = arrivedSince(from);
    expect(verifyWith(rotated.body.signing_secret, delivery!)).toMatchObject({ type: 'webhook.ping' });
    expect(() => verifyWith(hook.signing_secret, delivery!)).toThrow();
    expect(await alice.delete(`/v1/webhooks/${hook.id}`)).toMatchObject({ status: 204 });
  });

  it('when the rotation body is out of bounds or the caller is a viewer, then 400 or 403 and the secret is unchanged', async () => {
    const hook = await register(alice, receiver.url, devSecrets);
    const before = await devApp.deps.db.prisma.webhook.findUniqueOrThrow({ where: { id: hook.id } });
    for (const body of [{ overlap_seconds: 604_801 }, { overlap_seconds: -1 }, { overlap_seconds: 1.5 }, { overlap: 60 }]) {
      const response = await alice.post(`/v1/webhooks/${hook.id}/rotate-secret`, body);
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(response.body.code).toBe('invalid_request');
    }
    expect((await alice.post(`/v1/webhooks/${hook.id}/rotate-secret`, { overlap_seconds: 604_801 })).body.errors[0].path).toBe('body.overlap_seconds');
    const denied = await vic.post(`/v1/webhooks/${hook.id}/rotate-secret`, {});
    expect(denied.status).toBe(403);
    expect(await devApp.deps.db.prisma.auditEvent.count({ where: { action: 'webhook.secret_rotated', outcome: 'denied' } })).toBe(1);
    expect((await alice.post('/v1/webhooks/wh_00000000000000000000/rotate-secret', {})).status).toBe(404);
    expect(await devApp.deps.db.prisma.webhook.findUniqueOrThrow({ where: { id: hook.id } })).toEqual(before);
    expect(await devApp.deps.db.prisma.auditEvent.count({ where: { action: 'webhook.secret_rotated', targetId: hook.id } })).toBe(0);
    expect(await alice.delete(`/v1/webhooks/${hook.id}`)).toMatchObject({ status: 204 });
  });
});

describe('ping and redelivery', () => {
  let hook: { id: string; signing_secret: string };
  let otherHook: { id: string; signing_secret: string };
  let foreign: { webhookId: string; deliveryId: string };

  beforeAll(async () => {
    hook = await register(alice, receiver.url, devSecrets, ['service_account.deleted']);
    otherHook = await register(alice, `${receiver.url}/other`, devSecrets, ['service_account.deleted']);
    // Another tenant's webhook and delivery, written straight into the database.
    const created = await devApp.deps.webhooks.create({ tenant: 'another-tenant', url: receiver.url, events: ['service_account.created'], createdById: 'x', createdByName: 'x' });
    devSecrets.push(created.signingSecret);
    const delivery = await devApp.deps.webhooks.ping('another-tenant', created.row.id);
    await devApp.deps.db.prisma.webhookDelivery.update({ where: { id: delivery.id }, data: { status: 'failed' } });
    foreign = { webhookId: created.row.id, deliveryId: delivery.id };
  });

  it('when a tenant-admin pings a webhook, then 202 with a pending delivery, and only that endpoint gets one signed webhook.ping', async () => {
    const from = receiver.received.length;
    const pinged = await alice.post(`/v1/webhooks/${hook.id}/ping`);
    expect(pinged.status).toBe(202);
    expect(pinged.body).toMatchObject({ id: expect.stringMatching(/^whd_/), event: 'webhook.ping', status: 'pending', attempts: 0 });
    const row = await devApp.deps.db.prisma.webhookDelivery.findUniqueOrThrow({ where: { id: pinged.body.id } });
    expect(row).toMatchObject({ webhookId: hook.id, tenant: tenant.realm, event: 'webhook.ping', status: 'pending' });
    expect(await devApp.deps.db.prisma.auditEvent.findFirstOrThrow({ where: { action: 'webhook.pinged', targetId: hook.id } })).toMatchObject({
      outcome: 'success',
      details: { delivery_id: pinged.body.id },
    });

    await devApp.deps.jobs.dispatchWebhooks();
    const arrived = arrivedSince(from);
    expect(arrived).toHaveLength(1);
    expect(arrived[0]!.headers['webhook-id']).toBe(pinged.body.id);
    expect(verifyWith(hook.signing_secret, arrived[0]!)).toEqual({
      id: pinged.body.id,
      type: 'webhook.ping',
      tenant: tenant.realm,
      created_at: expect.any(String),
      data: { webhook: { id: hook.id, url: receiver.url } },
    });
    const listed = await alice.get(`/v1/webhooks/${hook.id}/deliveries`);
    expect(listed.body.items).toEqual([expect.objectContaining({ id: pinged.body.id, status: 'delivered', attempts: 1, last_status_code: 200 })]);
    expect((await alice.get(`/v1/webhooks/${otherHook.id}/deliveries`)).body.items).toEqual([]);
  });

  it('when a failed delivery is redelivered, then 202, it is queued again under the same webhook-id, arrives signed, and is audited', async () => {
    receiver.failNext(500);
    const from = receiver.received.length;
    const pinged = await alice.post(`/v1/webhooks/${hook.id}/ping`);
    await devApp.deps.jobs.dispatchWebhooks();
    expect(await devApp.deps.db.prisma.webhookDelivery.findUniqueOrThrow({ where: { id: pinged.body.id } })).toMatchObject({ status: 'failed', attempts: 1, lastStatusCode: 500, lastError: 'HTTP 500' });

    const redelivered = await alice.post(`/v1/webhooks/${hook.id}/deliveries/${pinged.body.id}/redeliver`);
    expect(redelivered.status).toBe(202);
    expect(redelivered.body).toMatchObject({ id: pinged.body.id, status: 'pending', attempts: 0 });
    expect(new Date(redelivered.body.next_attempt_at).getTime()).toBeLessThanOrEqual(Date.now() + 1000);
    expect(await devApp.deps.db.prisma.webhookDelivery.findUniqueOrThrow({ where: { id: pinged.body.id } })).toMatchObject({ status: 'pending', attempts: 0 });
    expect(await devApp.deps.db.prisma.auditEvent.findFirstOrThrow({ where: { action: 'webhook.redelivered', targetId: hook.id } })).toMatchObject({
      outcome: 'success',
      details: { delivery_id: pinged.body.id, event: 'webhook.ping', previous_status: 'failed', previous_attempts: 1 },
    });

    const again = await alice.post(`/v1/webhooks/${hook.id}/deliveries/${pinged.body.id}/redeliver`);
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('invalid_state');

    await devApp.deps.jobs.dispatchWebhooks();
    const arrived = arrivedSince(from);
    expect(arrived.map((d) => d.status)).toEqual([500, 200]);
    expect(arrived.map((d) => d.headers['webhook-id'])).toEqual([pinged.body.id, pinged.body.id]);
    for (const delivery of arrived) expect(verifyWith(hook.signing_secret, delivery)).toMatchObject({ id: pinged.body.id, type: 'webhook.ping' });
    expect(await devApp.deps.db.prisma.webhookDelivery.findUniqueOrThrow({ where: { id: pinged.body.id } })).toMatchObject({ status: 'delivered', attempts: 1, lastStatusCode: 200, lastError: null });

    // A delivered one may be sent again too.
    expect((await alice.post(`/v1/webhooks/${hook.id}/deliveries/${pinged.body.id}/redeliver`)).status).toBe(202);
    await devApp.deps.jobs.dispatchWebhooks();
    expect(arrivedSince(from)).toHaveLength(3);
  });

  it("when a delivery of another tenant's webhook, of another webhook or an unknown one is redelivered or pinged, then 404 and nothing is queued", async () => {
    const before = await devApp.deps.db.prisma.webhookDelivery.findMany({ orderBy: { id: 'asc' } });
    const mine = before.find((d) => d.webhookId === hook.id)!;
    for (const path of [
      `/v1/webhooks/${foreign.webhookId}/deliveries/${foreign.deliveryId}/redeliver`,
      `/v1/webhooks/${hook.id}/deliveries/${foreign.deliveryId}/redeliver`,
      `/v1/webhooks/${otherHook.id}/deliveries/${mine.id}/redeliver`,
      `/v1/webhooks/${hook.id}/deliveries/whd_0000000000000000000000/redeliver`,
      `/v1/webhooks/${foreign.webhookId}/ping`,
    ]) {
      const response = await alice.post(path);
      expect(response.status, path).toBe(404);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
    }
    expect((await alice.post(`/v1/webhooks/${hook.id}/deliveries/nope/redeliver`)).status).toBe(400);
    expect(await devApp.deps.db.prisma.webhookDelivery.findMany({ orderBy: { id: 'asc' } })).toEqual(before);
    expect(await devApp.deps.db.prisma.auditEvent.count({ where: { action: { in: ['webhook.redelivered', 'webhook.pinged'] }, targetId: foreign.webhookId } })).toBe(0);
  });

  it('when a viewer pings or redelivers, then 403, a denied audit event, and nothing is queued', async () => {
    const count = await devApp.deps.db.prisma.webhookDelivery.count();
    const mine = await devApp.deps.db.prisma.webhookDelivery.findFirstOrThrow({ where: { webhookId: hook.id } });
    expect((await vic.post(`/v1/webhooks/${hook.id}/ping`)).status).toBe(403);
    expect((await vic.post(`/v1/webhooks/${hook.id}/deliveries/${mine.id}/redeliver`)).status).toBe(403);
    expect(await devApp.deps.db.prisma.auditEvent.count({ where: { action: { in: ['webhook.pinged', 'webhook.redelivered'] }, outcome: 'denied' } })).toBe(2);
    expect(await devApp.deps.db.prisma.webhookDelivery.count()).toBe(count);
  });
});

describe('destination check', () => {
  const nonPublic = 'must not point at a loopback, private or otherwise non-public address';
  it.each([
    ['https://0.0.0.0/hooks', nonPublic],
    ['https://[::]/hooks', nonPublic],
    ['https://[::ffff:127.0.0.1]/hooks', nonPublic],
    ['https://[::ffff:a9fe:a9fe]/hooks', nonPublic],
    ['https://localhost./hooks', nonPublic],
    ['https://100.64.0.1/hooks', nonPublic],
    ['https://10.0.0.1/hooks', nonPublic],
    ['https://172.16.0.1/hooks', nonPublic],
    ['https://192.168.1.1/hooks', nonPublic],
    ['https://127.0.0.1/hooks', nonPublic],
    ['https://169.254.169.254/latest/meta-data', nonPublic],
    ['https://[::1]/hooks', nonPublic],
    ['https://[fc00::1]/hooks', nonPublic],
    ['https://[fe80::1]/hooks', nonPublic],
    ['http://example.com/hooks', 'must use https'],
  ])('when a webhook for %s is registered, then 400 naming body.url and nothing changes', async (url, reason) => {
    const response = await strictAlice.post('/v1/webhooks', { url, events: ['service_account.created'] });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(response.body).toMatchObject({ code: 'invalid_request', errors: [{ path: 'body.url', message: reason }] });
    expect(await strictApp.deps.db.prisma.webhook.count()).toBe(0);
    expect(await strictApp.deps.db.prisma.auditEvent.count({ where: { action: 'webhook.created' } })).toBe(0);
  });

  it('when a stored webhook points at a name or literal that reaches loopback, then the connect-time check refuses the delivery and the receiver gets nothing', async () => {
    const from = receiver.received.length;
    const port = new URL(receiver.url).port;
    const hookIds: string[] = [];
    for (const host of ['localhost', '0.0.0.0', '[::ffff:127.0.0.1]']) {
      // Bypasses the registration check, as a row written before it existed or a name that changed its answer would.
      const { row, signingSecret } = await strictApp.deps.webhooks.create({
        tenant: tenant.realm,
        url: `http://${host}:${port}/hooks`,
        events: ['service_account.created'],
        createdById: 'test',
        createdByName: 'test',
      });
      strictSecrets.push(signingSecret);
      hookIds.push(row.id);
    }
    const sa = await strictAlice.post('/v1/service-accounts', { name: 'not-delivered' });
    expect(sa.status).toBe(201);
    strictSecrets.push(sa.body.client_secret);
    const pinged = await strictAlice.post(`/v1/webhooks/${hookIds[0]}/ping`);
    expect(pinged.status).toBe(202);

    expect(await strictApp.deps.jobs.dispatchWebhooks()).toBe(4);
    expect(arrivedSince(from)).toEqual([]);
    for (const id of hookIds) {
      const deliveries = (await strictAlice.get(`/v1/webhooks/${id}/deliveries`)).body.items as Array<Record<string, unknown>>;
      expect(deliveries.length).toBeGreaterThanOrEqual(1);
      for (const delivery of deliveries) {
        expect(delivery).toMatchObject({ status: 'failed', attempts: 1, last_status_code: null, last_error: 'destination address not allowed' });
      }
    }
  });
});
