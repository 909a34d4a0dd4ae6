import { beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../support/app.ts';
import type { ApiClient } from '../support/api.ts';
import type { FaultProxy } from '../support/fault-proxy.ts';
import { clientsWithPrefix, tryClientCredentials } from '../support/keycloak-inspect.ts';
import type { TestRealm } from '../support/keycloak.ts';
import { useTenantApp } from '../support/tenant-app.ts';

const fixture = useTenantApp('idem', { faultProxy: true });
let app: TestApp;
let proxy: FaultProxy;
let tenant: TestRealm;
let alice: ApiClient;
let dave: ApiClient;
const secrets = fixture.secrets;

beforeAll(async () => {
  ({ app, proxy, tenant } = fixture);
  alice = await fixture.as('alice');
  dave = await fixture.as('dave');
});

const isClientCreate = (method: string, path: string) => method === 'POST' && /\/admin\/realms\/[^/]+\/clients\/?$/.test(path);

describe('Idempotency-Key on create', () => {
  it('when a create is retried with the same key and body, then the original answer comes back and one client exists', async () => {
    const first = await alice.post('/v1/service-accounts', { name: 'idem-one' }, { 'Idempotency-Key': '"k-1"' });
    expect(first.status).toBe(201);
    secrets.push(first.body.client_secret);
    const retry = await alice.post('/v1/service-accounts', { name: 'idem-one' }, { 'Idempotency-Key': '"k-1"' });
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body).toEqual(first.body);
    expect(retry.headers.get('location')).toBe(first.headers.get('location'));
    expect(await clientsWithPrefix(tenant.realm, 'sa-idem-one-')).toHaveLength(1);
    expect(await app.deps.db.prisma.serviceAccount.count({ where: { tenant: tenant.realm, name: 'idem-one' } })).toBe(1);
    // The stored answer holds the secret only as ciphertext.
    const stored = await app.deps.db.prisma.idempotencyKey.findFirstOrThrow({ where: { key: 'k-1' } });
    expect(stored.state).toBe('completed');
    expect(stored.responseBody).not.toContain(first.body.client_secret);
    expect(stored.expiresAt.getTime() - stored.createdAt.getTime()).toBe(24 * 3600 * 1000);
  });

  it('when the same key comes with another body, then 422 and nothing is created', async () => {
    const response = await alice.post('/v1/service-accounts', { name: 'idem-two' }, { 'Idempotency-Key': '"k-1"' });
    expect(response.status).toBe(422);
    expect(response.body.code).toBe('idempotency_key_reused');
    expect(await app.deps.db.prisma.serviceAccount.count({ where: { name: 'idem-two' } })).toBe(0);
  });

  it('when another caller uses the same key, then it is a different key', async () => {
    const response = await dave.post('/v1/service-accounts', { name: 'idem-daves' }, { 'Idempotency-Key': '"k-1"' });
    expect(response.status).toBe(201);
    secrets.push(response.body.client_secret);
  });

  it('when a retry arrives while the first is still running, then 409 and one SA results', async () => {
    proxy.add({ match: isClientCreate, mode: 'delay', delayMs: 1500, times: 1 });
    const first = alice.post('/v1/service-accounts', { name: 'idem-slow' }, { 'Idempotency-Key': '"k-slow"' });
    await new Promise((r) => setTimeout(r, 300));
    const second = await alice.post('/v1/service-accounts', { name: 'idem-slow' }, { 'Idempotency-Key': '"k-slow"' });
    expect(second.status).toBe(409);
    expect(second.body.code).toBe('idempotency_request_in_progress');
    expect(second.headers.get('retry-after')).toBe('1');
    const done = await first;
    expect(done.status).toBe(201);
    secrets.push(done.body.client_secret);
    expect(await clientsWithPrefix(tenant.realm, 'sa-idem-slow-')).toHaveLength(1);
  });

  it('when the first attempt failed upstream, then a retry with the same key runs again', async () => {
    proxy.add({ match: isClientCreate, mode: 'unavailable', times: 1 });
    const failed = await alice.post('/v1/service-accounts', { name: 'idem-retry' }, { 'Idempotency-Key': '"k-retry"' });
    expect(failed.status).toBe(503);
    const retried = await alice.post('/v1/service-accounts', { name: 'idem-retry' }, { 'Idempotency-Key': '"k-retry"' });
    expect(retried.status).toBe(201);
    expect(retried.headers.get('idempotent-replayed')).toBeNull();
    secrets.push(retried.body.client_secret);
    expect((await tryClientCredentials(tenant.realm, retried.body.client_id, retried.body.client_secret)).status).toBe(200);
  });

  it('when a key is past its 24 hours, then the background jobs delete it and the key can be used afresh', async () => {
    const first = await alice.post('/v1/service-accounts', { name: 'idem-expiring' }, { 'Idempotency-Key': '"k-old"' });
    expect(first.status).toBe(201);
    secrets.push(first.body.client_secret);
    await app.deps.db.prisma.idempotencyKey.updateMany({ where: { key: 'k-old' }, data: { expiresAt: new Date(Date.now() - 1000) } });
    await app.deps.jobs.runOnce();
    expect(await app.deps.db.prisma.idempotencyKey.count({ where: { key: 'k-old' } })).toBe(0);
    const reused = await alice.post('/v1/service-accounts', { name: 'idem-expired-reuse' }, { 'Idempotency-Key': '"k-old"' });
    expect(reused.status).toBe(201);
    expect(reused.headers.get('idempotent-replayed')).toBeNull();
    secrets.push(reused.body.client_secret);
  });

  it('when the key is not printable ASCII, then 400', async () => {
    const response = await alice.post('/v1/service-accounts', { name: 'idem-bad' }, { 'Idempotency-Key': '"  "' });
    expect(response.status).toBe(400);
  });
});

describe('concurrent creates', () => {
  it('when two creates with the same name race, then one 201, one 409, and exactly one Keycloak client', async () => {
    const [a, b] = await Promise.all([
      alice.post('/v1/service-accounts', { name: 'racer' }),
      dave.post('/v1/service-accounts', { name: 'racer' }),
    ]);
    const statuses = [a.status, b.status].sort();
    expect(statuses).toEqual([201, 409]);
    const winner = a.status === 201 ? a : b;
    const loser = a.status === 201 ? b : a;
    secrets.push(winner.body.client_secret);
    expect(loser.body.code).toBe('name_taken');
    expect(await clientsWithPrefix(tenant.realm, 'sa-racer-')).toHaveLength(1);
    expect(await app.deps.db.prisma.serviceAccount.count({ where: { tenant: tenant.realm, name: 'racer' } })).toBe(1);
  });
});
