// A burst of changes from one caller: the per-caller limit answers 429 with Retry-After (never a
// 5xx), the limit is one count across replicas (PostgreSQL-backed), and Keycloak never sees more
// admin calls at once than the bulkhead allows (counted by a proxy in front of it).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, type ApiClient } from '../support/api.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import type { FaultProxy } from '../support/fault-proxy.ts';
import { passwordGrant } from '../support/keycloak.ts';
import { useTenantApp } from '../support/tenant-app.ts';

const LIMIT = 40;
const BULKHEAD = 4;
const fixture = useTenantApp('shed', {
  faultProxy: true,
  env: { MUTATION_RATE_LIMIT_PER_MINUTE: String(LIMIT), KEYCLOAK_MAX_CONCURRENT_ADMIN_CALLS: String(BULKHEAD) },
});
let app: TestApp;
let proxy: FaultProxy;
let alice: ApiClient;

beforeAll(async () => {
  ({ app, proxy } = fixture);
  alice = await fixture.as('alice');
});

/** Runs `count` calls of `call`, `concurrency` at a time. */
async function burst<T>(count: number, concurrency: number, call: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await call(i);
      }
    }),
  );
  return results;
}

describe('load shedding', () => {
  it(`when one caller sends 500 creates at once, then ${LIMIT} are made, the rest get 429 with Retry-After, none a 5xx, and Keycloak never sees more than ${BULKHEAD} admin calls at once`, async () => {
    proxy.adminCalls.peak = 0;
    const responses = await burst(500, 50, (i) => alice.post('/v1/service-accounts', { name: `burst-${i}` }));
    const byStatus = new Map<number, number>();
    for (const r of responses) byStatus.set(r.status, (byStatus.get(r.status) ?? 0) + 1);
    console.log(`[load-shedding] 500 creates at 50 concurrent: ${JSON.stringify(Object.fromEntries(byStatus))}; Keycloak admin calls at once, at most: ${proxy.adminCalls.peak}`);
    expect(Object.fromEntries(byStatus)).toEqual({ 201: LIMIT, 429: 500 - LIMIT });
    for (const refused of responses.filter((r) => r.status === 429)) {
      expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(refused.body).toMatchObject({ code: 'rate_limited', status: 429 });
    }
    expect(proxy.adminCalls.peak).toBeGreaterThan(0);
    expect(proxy.adminCalls.peak).toBeLessThanOrEqual(BULKHEAD);
    // Exactly the accepted creates exist, each active, none half made.
    const rows = await app.deps.db.prisma.serviceAccount.groupBy({ by: ['status'], where: { tenant: fixture.tenant.realm, name: { startsWith: 'burst-' } }, _count: true });
    expect(rows).toEqual([{ status: 'active', _count: LIMIT }]);
    const created = await app.deps.db.prisma.auditEvent.count({ where: { tenant: fixture.tenant.realm, action: 'service_account.created', outcome: 'success' } });
    expect(created).toBe(LIMIT);
    for (const r of responses.filter((r) => r.status === 201)) fixture.secrets.push((r.body as { client_secret: string }).client_secret);
  });

  it('when the caller is over its limit, then reads still answer', async () => {
    expect((await alice.post('/v1/service-accounts', { name: 'one-more' })).status).toBe(429);
    expect((await alice.get('/v1/service-accounts?limit=1')).status).toBe(200);
  });

  it('when another person of the tenant changes something, then their own limit applies', async () => {
    const dave = await fixture.as('dave');
    const made = await dave.post('/v1/service-accounts', { name: 'daves-own' });
    expect(made.status).toBe(201);
    fixture.secrets.push((made.body as { client_secret: string }).client_secret);
  });
});

describe('one limit across replicas', () => {
  let second: TestApp;
  let third: TestApp;

  beforeAll(async () => {
    second = await startTestApp({ realms: [fixture.tenant.realm], replicaOf: app, env: { MUTATION_RATE_LIMIT_PER_MINUTE: '10' } });
    third = await startTestApp({ realms: [fixture.tenant.realm], replicaOf: app, env: { MUTATION_RATE_LIMIT_PER_MINUTE: '10' } });
  });

  afterAll(async () => {
    await second?.close();
    await third?.close();
  });

  it('when a caller spreads its changes over two replicas, then they count together: 10 in a minute, not 10 on each', async () => {
    const token = (await passwordGrant(fixture.tenant.realm, 'vic')).access_token;
    // vic (viewer) may not create, so each change is a cheap 403 that still counts; PATCH of an unknown SA is a 404.
    const replicas = [second, third].map((replica) => apiClient(replica.baseUrl, token));
    const statuses: number[] = [];
    for (let i = 0; i < 16; i += 1) statuses.push((await replicas[i % 2]!.patch('/v1/service-accounts/sa_nonexistent', { description: 'x' })).status);
    expect(statuses.slice(0, 10).every((s) => s !== 429)).toBe(true);
    expect(statuses.slice(10)).toEqual([429, 429, 429, 429, 429, 429]);
  });
});
