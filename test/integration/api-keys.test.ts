// API keys end to end, on the real Keycloak and a real database: a key authenticates as its
// service account with the SA's inherited role (the same as its JWT), stops at once when revoked,
// expired, its SA disabled or deleted, or the tenant policy switches keys off; a mistyped key is
// refused without a database read; uses are recorded (last use, audited new addresses) and
// rate-limited; a leaked key reported without credentials is revoked and announced by webhook.
import { createHash, randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ApiKeyHasher, checkApiKeyShape, generateApiKey } from '../../src/auth/api-key-credentials.ts';
import { apiClient, type ApiClient } from '../support/api.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { clientCredentialsGrant, testKeycloak } from '../support/keycloak.ts';
import { useTenantApp } from '../support/tenant-app.ts';
import { startWebhookReceiver } from '../support/webhook-receiver.ts';

const serverKey = randomBytes(32);
const RATE_LIMIT = 25;
const REPORTS_PER_MINUTE = 12;
const fixture = useTenantApp('keys', {
  env: {
    SERVER_ENCRYPTION_KEY: serverKey.toString('base64'),
    WEBHOOK_ALLOW_INSECURE_URLS: 'true',
    WEBHOOK_MAX_ATTEMPTS: '1',
    API_KEY_RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT),
    API_KEY_REVOCATION_RATE_LIMIT_PER_MINUTE: String(REPORTS_PER_MINUTE),
  },
});
const secrets = fixture.secrets;
let app: TestApp;
let alice: ApiClient;
let dave: ApiClient;
let dora: ApiClient;
let vic: ApiClient;
let root: ApiClient;
let tenant: string;
let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
/** Leak reports sent so far (they share one per-address budget). */
let reportsSent = 0;

beforeAll(async () => {
  app = fixture.app;
  tenant = fixture.tenant.realm;
  [alice, dave, dora, vic, root] = await Promise.all([fixture.as('alice'), fixture.as('dave'), fixture.as('dora'), fixture.as('vic'), fixture.as('root', 'platform')]);
  receiver = await startWebhookReceiver();
});

afterAll(async () => {
  await receiver?.close();
});

interface CreatedSa {
  id: string;
  client_id: string;
  client_secret: string;
  issuer: string;
}

async function createSa(client: ApiClient, name: string, extra: Record<string, unknown> = {}): Promise<CreatedSa> {
  const response = await client.post('/v1/service-accounts', { name, ...extra });
  expect(response.status).toBe(201);
  secrets.push(response.body.client_secret);
  return response.body;
}

/** Creates a key and remembers it (and its random part) as secrets that must never leak. */
async function createKey(client: ApiClient, saId: string, body: Record<string, unknown> = { name: 'legacy-cron' }) {
  const response = await client.post(`/v1/service-accounts/${saId}/api-keys`, body);
  if (response.status === 201) secrets.push(response.body.key, response.body.key.slice(4, 36));
  return response;
}

const withKey = (key: string) => apiClient(app.baseUrl, key);
const rowOf = (id: string) => app.deps.db.prisma.apiKey.findUniqueOrThrow({ where: { id } });
const auditOf = (action: string, targetId: string) =>
  app.deps.db.prisma.auditEvent.findMany({ where: { tenant, action, targetId }, orderBy: [{ occurredAt: 'asc' }, { id: 'asc' }] });

/** The same key with one character of its random part changed: the checksum no longer matches. */
function mistype(key: string): string {
  const i = 10;
  return `${key.slice(0, i)}${key[i] === 'a' ? 'b' : 'a'}${key.slice(i + 1)}`;
}

async function reportLeak(key: string, headers: Record<string, string> = {}) {
  reportsSent += 1;
  const response = await fetch(`${app.baseUrl}/v1/api-keys/revoke`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ key }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined, text };
}

describe('a key of an SA created by devops', () => {
  let sa: CreatedSa;
  let key: string;
  let keyId: string;

  beforeAll(async () => {
    sa = await createSa(dave, 'nightly-export');
  });

  it('when dave creates a key, then 201 shows it once in the sab_ format with a valid checksum, and the database keeps only its HMAC under the server key', async () => {
    const created = await createKey(dave, sa.id, { name: 'legacy-cron', expires_in_days: 30 });
    expect(created.status).toBe(201);
    expect(created.headers.get('cache-control')).toBe('no-store');
    key = created.body.key;
    keyId = created.body.id;
    expect(key).toMatch(/^sab_[0-9A-Za-z]{32}_[0-9A-Za-z]{6}$/);
    expect(checkApiKeyShape(key)).toBe('valid');
    expect(created.body).toMatchObject({
      id: expect.stringMatching(/^key_[0-9A-Za-z]{20}$/),
      name: 'legacy-cron',
      service_account_id: sa.id,
      prefix: 'sab_',
      last_four: key.slice(-4),
      status: 'active',
      created_by: { type: 'user', name: 'dave' },
      last_used_at: null,
    });
    const expiresIn = new Date(created.body.expires_at).getTime() - Date.now();
    expect(expiresIn).toBeGreaterThan(30 * 86_400_000 - 60_000);
    expect(expiresIn).toBeLessThanOrEqual(30 * 86_400_000);

    const row = await rowOf(keyId);
    expect(row.keyHash).toBe(new ApiKeyHasher(serverKey).hash(key));
    expect(row.keyHash).not.toBe(createHash('sha256').update(key).digest('hex'));
    expect(JSON.stringify(row)).not.toContain(key.slice(4, 36));
    const [audit] = await auditOf('api_key.created', keyId);
    expect(audit).toMatchObject({ outcome: 'success', actorName: 'dave', details: { service_account_id: sa.id, name: 'legacy-cron', last_four: key.slice(-4) } });
  });

  it('when the key calls GET /v1/me and lists SAs, then it acts as the SA with its inherited role, as the SA\'s own JWT does', async () => {
    const viaKey = await withKey(key).get('/v1/me');
    expect(viaKey.status).toBe(200);
    expect(viaKey.body).toMatchObject({ tenant, role: 'devops', actor: { type: 'service_account', name: sa.client_id }, client_id: sa.client_id, service_account_id: sa.id, api_key_id: keyId });
    expect(viaKey.body.token_expires_at).toBe((await rowOf(keyId)).expiresAt!.toISOString().replace(/\.\d{3}Z$/, '.000Z'));

    const jwt = (await clientCredentialsGrant(testKeycloak().url, tenant, sa.client_id, sa.client_secret)).access_token;
    secrets.push(jwt);
    const viaJwt = await apiClient(app.baseUrl, jwt).get('/v1/me');
    expect(viaJwt.status).toBe(200);
    const { api_key_id: _k, token_expires_at: _e, ...sameKey } = viaKey.body;
    const { api_key_id: jwtKeyId, token_expires_at: _j, ...sameJwt } = viaJwt.body;
    expect(jwtKeyId).toBeNull();
    expect(sameKey).toEqual(sameJwt);

    const listed = await withKey(key).get('/v1/service-accounts');
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((i: { id: string }) => i.id)).toContain(sa.id);
    // devops may change only what it created: as for its JWT, the SA may not delete dave's other SAs.
    const other = await createSa(dave, 'other-export');
    expect((await withKey(key).delete(`/v1/service-accounts/${other.id}`)).status).toBe(403);
    expect((await apiClient(app.baseUrl, jwt).delete(`/v1/service-accounts/${other.id}`)).status).toBe(403);
  });

  it('when the key is used, then the first use from an address is audited once and last use is recorded on the key and the SA', async () => {
    const events = await auditOf('api_key.used_from_new_ip', keyId);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ outcome: 'success', actorType: 'service_account', actorName: sa.client_id, ip: expect.stringMatching(/127\.0\.0\.1/), details: { service_account_id: sa.id, api_key_id: keyId } });
    const row = await rowOf(keyId);
    expect(row.lastUsedAt).not.toBeNull();
    expect(row.lastUsedIp).toMatch(/127\.0\.0\.1/);
    const account = await app.deps.db.prisma.serviceAccount.findUniqueOrThrow({ where: { id: sa.id } });
    expect(account.lastUsedAt?.getTime()).toBe(row.lastUsedAt!.getTime());
    // Within the minute the write is throttled: more uses change nothing.
    expect((await withKey(key).get('/v1/me')).status).toBe(200);
    expect((await rowOf(keyId)).lastUsedAt!.getTime()).toBe(row.lastUsedAt!.getTime());
    expect(await auditOf('api_key.used_from_new_ip', keyId)).toHaveLength(1);
  });

  it('when an action is taken with the key, then its audit event names the key', async () => {
    const created = await withKey(key).post('/v1/service-accounts', { name: 'made-by-key' });
    expect(created.status).toBe(201);
    secrets.push(created.body.client_secret);
    expect(created.body.role).toBe('devops');
    const [event] = await app.deps.db.prisma.auditEvent.findMany({ where: { action: 'service_account.created', targetId: created.body.id } });
    expect(event).toMatchObject({ actorType: 'service_account', actorName: sa.client_id, details: { api_key_id: keyId } });
  });

  it('when the keys are listed, then name, prefix, last four, dates and last use are shown, never the key or its hash', async () => {
    for (const client of [dave, vic, alice]) {
      const listed = await client.get(`/v1/service-accounts/${sa.id}/api-keys`);
      expect(listed.status).toBe(200);
      expect(listed.body.items).toHaveLength(1);
      const [item] = listed.body.items;
      expect(item).toMatchObject({ id: keyId, name: 'legacy-cron', prefix: 'sab_', last_four: key.slice(-4), status: 'active', last_used_at: expect.any(String) });
      expect(item).not.toHaveProperty('key');
      const text = JSON.stringify(listed.body);
      expect(text).not.toContain(key.slice(4, 36));
      expect(text).not.toContain((await rowOf(keyId)).keyHash);
    }
  });

  it('when the key is revoked, then it is refused at once, leaves the list, and the revocation is audited', async () => {
    expect((await withKey(key).get('/v1/me')).status).toBe(200);
    expect(await dave.delete(`/v1/service-accounts/${sa.id}/api-keys/${keyId}`)).toMatchObject({ status: 204 });
    const refused = await withKey(key).get('/v1/me');
    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({ code: 'invalid_token', detail: 'The API key is not valid (unknown or revoked)' });
    expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
    expect(JSON.stringify(refused.body)).not.toContain(key.slice(4, 36));
    expect((await dave.get(`/v1/service-accounts/${sa.id}/api-keys`)).body.items).toEqual([]);
    const again = await dave.delete(`/v1/service-accounts/${sa.id}/api-keys/${keyId}`);
    expect(again).toMatchObject({ status: 404, body: { code: 'api_key_not_found' } });
    const [audit] = await auditOf('api_key.revoked', keyId);
    expect(audit).toMatchObject({ outcome: 'success', actorName: 'dave', details: { reason: 'manual', service_account_id: sa.id } });
    expect((await rowOf(keyId)).revokedReason).toBe('manual');
  });
});

describe('what stops a key', () => {
  let sa: CreatedSa;

  beforeAll(async () => {
    sa = await createSa(alice, 'stoppable');
  });

  it('when a key is past its expiry, then it gets 401 saying when it expired, the expiry is audited once, and it is listed as expired', async () => {
    const created = await createKey(alice, sa.id, { name: 'short-lived', expires_in_days: 1 });
    const { key, id } = created.body;
    expect((await withKey(key).get('/v1/me')).status).toBe(200);
    const expiredAt = new Date(Date.now() - 1000);
    await app.deps.db.prisma.apiKey.update({ where: { id }, data: { expiresAt: expiredAt } });

    const refused = await withKey(key).get('/v1/service-accounts');
    expect(refused.status).toBe(401);
    expect(refused.body.detail).toBe(`The API key expired at ${expiredAt.toISOString()}; create a new one`);
    expect((await withKey(key).get('/v1/me')).status).toBe(401);
    const events = await auditOf('api_key.expired', id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ outcome: 'success', actorType: 'system', details: { service_account_id: sa.id, expired_at: expiredAt.toISOString() } });
    const listed = (await alice.get(`/v1/service-accounts/${sa.id}/api-keys`)).body.items.find((i: { id: string }) => i.id === id);
    expect(listed).toMatchObject({ status: 'expired', expires_at: expiredAt.toISOString() });
    // Giving it a later expiry does not bring it back: an expiry is final.
    await app.deps.db.prisma.apiKey.update({ where: { id }, data: { expiresAt: new Date(Date.now() + 86_400_000) } });
    expect((await withKey(key).get('/v1/me')).status).toBe(401);
  });

  it('when a key expires unused, then the background job records and audits it', async () => {
    const { id } = (await createKey(alice, sa.id, { name: 'never-used', expires_in_days: 1 })).body;
    await app.deps.db.prisma.apiKey.update({ where: { id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect(await app.deps.jobs.expireApiKeys()).toContain(id);
    expect(await app.deps.jobs.expireApiKeys()).not.toContain(id);
    expect(await auditOf('api_key.expired', id)).toHaveLength(1);
    expect((await rowOf(id)).expiredAt).not.toBeNull();
  });

  it('when the SA is disabled, then its keys get 401 at once; enabled again they work; deleted, they get 401', async () => {
    const { key } = (await createKey(alice, sa.id, { name: 'follows-the-sa' })).body;
    expect((await withKey(key).get('/v1/me')).status).toBe(200);
    expect((await alice.patch(`/v1/service-accounts/${sa.id}`, { enabled: false })).status).toBe(200);
    const disabled = await withKey(key).get('/v1/me');
    expect(disabled).toMatchObject({ status: 401, body: { detail: 'The service account is disabled' } });
    expect((await alice.patch(`/v1/service-accounts/${sa.id}`, { enabled: true })).status).toBe(200);
    expect((await withKey(key).get('/v1/me')).status).toBe(200);
    expect((await alice.delete(`/v1/service-accounts/${sa.id}`)).status).toBe(204);
    expect(await withKey(key).get('/v1/me')).toMatchObject({ status: 401, body: { detail: 'The service account is deleted' } });
    expect(await alice.get(`/v1/service-accounts/${sa.id}/api-keys`)).toMatchObject({ status: 404, body: { code: 'service_account_not_found' } });
  });
});

describe('keys that cannot be real', () => {
  let key: string;

  beforeAll(async () => {
    const sa = await createSa(alice, 'checksummed');
    key = (await createKey(alice, sa.id)).body.key;
  });

  it('when a key is mistyped, then 401 names the checksum and the database is not asked; a well-formed unknown key is one lookup', async () => {
    const lookups = vi.spyOn(app.deps.apiKeyRepository, 'findForAuthentication');
    try {
      const mistyped = mistype(key);
      expect(checkApiKeyShape(mistyped)).toBe('bad_checksum');
      const refused = await withKey(mistyped).get('/v1/me');
      expect(refused).toMatchObject({ status: 401, body: { code: 'invalid_token', detail: expect.stringMatching(/checksum/) } });
      expect(JSON.stringify(refused.body)).not.toContain(mistyped.slice(4, 36));
      const truncated = await withKey(key.slice(0, -1)).get('/v1/me');
      expect(truncated).toMatchObject({ status: 401, body: { detail: expect.stringMatching(/malformed/) } });
      expect(lookups).not.toHaveBeenCalled();

      const unknown = generateApiKey();
      expect(checkApiKeyShape(unknown)).toBe('valid');
      expect(await withKey(unknown).get('/v1/me')).toMatchObject({ status: 401, body: { detail: expect.stringMatching(/unknown or revoked/) } });
      expect(lookups).toHaveBeenCalledTimes(1);
    } finally {
      lookups.mockRestore();
    }
  });

  it('when the bridge cannot reach its database, then a mistyped key and a random bearer still get 401, and a well-formed key gets 503', async () => {
    const offline = await startTestApp({ realms: [tenant], env: { SERVER_ENCRYPTION_KEY: serverKey.toString('base64') } });
    try {
      await offline.deps.db.close();
      const mistyped = await apiClient(offline.baseUrl, mistype(key)).get('/v1/service-accounts');
      expect(mistyped).toMatchObject({ status: 401, body: { code: 'invalid_token', detail: expect.stringMatching(/checksum/) } });
      const random = await apiClient(offline.baseUrl, randomBytes(24).toString('base64url')).get('/v1/service-accounts');
      expect(random).toMatchObject({ status: 401, body: { code: 'invalid_token' } });
      const wellFormed = await apiClient(offline.baseUrl, key).get('/v1/service-accounts');
      expect(wellFormed).toMatchObject({ status: 503, body: { code: 'database_unavailable' } });
      expect(wellFormed.headers.get('retry-after')).toBe('5');
    } finally {
      await offline.close();
    }
  });
});

describe('tenant policy', () => {
  let sa: CreatedSa;

  beforeAll(async () => {
    sa = await createSa(alice, 'policed');
  });

  const setPolicy = async (change: Record<string, unknown>) => {
    const response = await root.patch(`/v1/tenants/${tenant}/policy`, change);
    expect(response.status).toBe(200);
    return response.body;
  };

  it('when no lifetime is asked, then a key lives 90 days; longer than the maximum, or none, is 400 naming the field', async () => {
    const policy = await alice.get(`/v1/tenants/${tenant}/policy`);
    expect(policy.body).toMatchObject({ api_keys_allowed: true, max_api_key_lifetime_days: 90 });
    const created = await createKey(alice, sa.id, { name: 'default-lifetime' });
    expect(new Date(created.body.expires_at).getTime() - Date.now()).toBeGreaterThan(90 * 86_400_000 - 60_000);
    for (const expires_in_days of [91, null]) {
      const refused = await createKey(alice, sa.id, { name: 'too-long', expires_in_days });
      expect(refused).toMatchObject({ status: 400, body: { code: 'invalid_request', errors: [{ path: 'body.expires_in_days' }] } });
    }
  }, 30_000);

  it('when the policy has no maximum, then a key may be created without an expiry; when a maximum comes back, existing keys are shortened to it', async () => {
    await setPolicy({ max_api_key_lifetime_days: null });
    const created = await createKey(alice, sa.id, { name: 'forever', expires_in_days: null });
    expect(created.status).toBe(201);
    expect(created.body.expires_at).toBeNull();
    const me = await withKey(created.body.key).get('/v1/me');
    expect(me.body).toMatchObject({ token_expires_at: null, api_key_id: created.body.id });

    await setPolicy({ max_api_key_lifetime_days: 7 });
    const listed = (await alice.get(`/v1/service-accounts/${sa.id}/api-keys`)).body.items.find((i: { id: string }) => i.id === created.body.id);
    expect(listed.expires_at).toBe(new Date(new Date(created.body.created_at).getTime() + 7 * 86_400_000).toISOString());
    // /v1/me gives whole seconds, as for an access token's exp.
    expect((await withKey(created.body.key).get('/v1/me')).body.token_expires_at).toBe(listed.expires_at.replace(/\.\d{3}Z$/, '.000Z'));
    await setPolicy({ max_api_key_lifetime_days: 90 });
  }, 30_000);

  it('when the policy switches API keys off, then creating one is 403 and existing keys get 401 at once; switched on again they work', async () => {
    const { key } = (await createKey(alice, sa.id, { name: 'policy-bound' })).body;
    await setPolicy({ api_keys_allowed: false });
    try {
      expect(await createKey(alice, sa.id, { name: 'not-allowed' })).toMatchObject({ status: 403, body: { code: 'api_keys_not_allowed' } });
      expect(await withKey(key).get('/v1/me')).toMatchObject({ status: 401, body: { detail: "API keys are switched off by this tenant's policy" } });
    } finally {
      await setPolicy({ api_keys_allowed: true });
    }
    expect((await withKey(key).get('/v1/me')).status).toBe(200);
  }, 30_000);

  it('when a service account has 10 live keys, then an 11th is 409 until one is revoked', async () => {
    const full = await createSa(alice, 'key-ring');
    const ids: string[] = [];
    for (let i = 0; i < 10; i += 1) ids.push((await createKey(alice, full.id, { name: `k${i}` })).body.id);
    expect(await createKey(alice, full.id, { name: 'one-too-many' })).toMatchObject({ status: 409, body: { code: 'api_key_limit_reached' } });
    expect((await alice.delete(`/v1/service-accounts/${full.id}/api-keys/${ids[0]}`)).status).toBe(204);
    expect((await createKey(alice, full.id, { name: 'replacement' })).status).toBe(201);
  }, 30_000);
});

describe('who may manage keys', () => {
  let daves: CreatedSa;

  beforeAll(async () => {
    daves = await createSa(dave, 'daves-keys');
  });

  it('when another devops or a viewer creates or revokes a key of dave\'s SA, then 403 and the refusal is audited; a viewer may list', async () => {
    const { id } = (await createKey(dave, daves.id)).body;
    for (const client of [dora, vic]) {
      expect(await createKey(client, daves.id)).toMatchObject({ status: 403, body: { code: 'insufficient_role' } });
      expect(await client.delete(`/v1/service-accounts/${daves.id}/api-keys/${id}`)).toMatchObject({ status: 403 });
    }
    expect((await vic.get(`/v1/service-accounts/${daves.id}/api-keys`)).status).toBe(200);
    const denied = await app.deps.db.prisma.auditEvent.findMany({
      where: { tenant, action: { in: ['api_key.created', 'api_key.revoked'] }, outcome: 'denied', details: { path: ['service_account_id'], equals: daves.id } },
    });
    expect(denied.map((e) => e.actorName).sort()).toEqual(['dora', 'dora', 'vic', 'vic']);
  });

  it('when tenant-admin or cpi-admin (with ?tenant=) manage the key, then they may', async () => {
    expect((await createKey(alice, daves.id)).status).toBe(201);
    const created = await root.post(`/v1/service-accounts/${daves.id}/api-keys?tenant=${tenant}`, { name: 'by-operator' });
    expect(created.status).toBe(201);
    secrets.push(created.body.key);
    expect((await root.delete(`/v1/service-accounts/${daves.id}/api-keys/${created.body.id}?tenant=${tenant}`)).status).toBe(204);
  });

  it('when an SA of another tenant is named, then 404', async () => {
    const elsewhere = await root.get(`/v1/service-accounts/${daves.id}/api-keys?tenant=platform`);
    expect(elsewhere).toMatchObject({ status: 404, body: { code: 'service_account_not_found' } });
  });
});

describe('rate limits', () => {
  it('when a key makes more requests in a minute than its limit, then 429 rate_limited with Retry-After; another key of the same SA is not limited', async () => {
    const sa = await createSa(alice, 'chatty');
    const [busy, calm] = [(await createKey(alice, sa.id, { name: 'busy' })).body.key, (await createKey(alice, sa.id, { name: 'calm' })).body.key];
    const statuses: number[] = [];
    const remaining: string[] = [];
    for (let i = 0; i < RATE_LIMIT; i += 1) {
      const response = await withKey(busy).get('/v1/me');
      statuses.push(response.status);
      remaining.push(/remaining=(\d+)/.exec(response.headers.get('ratelimit') ?? '')?.[1] ?? 'none');
    }
    expect(statuses.every((s) => s === 200)).toBe(true);
    // The IETF draft headers count the key's requests down (the figures express-rate-limit gives the other limits).
    expect(remaining).toEqual(Array.from({ length: RATE_LIMIT }, (_, i) => String(RATE_LIMIT - 1 - i)));
    const limited = await withKey(busy).get('/v1/me');
    expect(limited).toMatchObject({ status: 429, body: { code: 'rate_limited' } });
    expect(limited.headers.get('ratelimit-policy')).toBe(`${RATE_LIMIT};w=60`);
    expect(limited.headers.get('ratelimit')).toMatch(new RegExp(`^limit=${RATE_LIMIT}, remaining=0, reset=\\d+$`));
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect((await withKey(calm).get('/v1/me')).status).toBe(200);
    expect((await alice.get('/v1/me')).status).toBe(200);
  }, 30_000);
});

describe('leaked keys', () => {
  it('when a live key is reported without credentials, then 202, it is revoked and audited, and the tenant webhook gets api_key.leaked, verified with standardwebhooks', async () => {
    const hook = await alice.post('/v1/webhooks', { url: receiver.url, events: ['api_key.leaked'] });
    expect(hook.status).toBe(201);
    secrets.push(hook.body.signing_secret);
    const sa = await createSa(alice, 'leaky');
    const created = await createKey(alice, sa.id, { name: 'pasted-in-a-gist' });
    const { key, id } = created.body;
    expect((await withKey(key).get('/v1/me')).status).toBe(200);

    const from = receiver.received.length;
    const reported = await reportLeak(key, { 'user-agent': 'secret-scanner/1.0' });
    expect(reported.status).toBe(202);
    expect(reported.body).toEqual({ status: 'accepted' });
    expect(await withKey(key).get('/v1/me')).toMatchObject({ status: 401 });
    expect(await rowOf(id)).toMatchObject({ revokedReason: 'leaked', revokedAt: expect.any(Date) });
    const [audit] = await auditOf('api_key.revoked', id);
    expect(audit).toMatchObject({ outcome: 'success', actorType: 'system', actorId: 'leaked-key-report', userAgent: 'secret-scanner/1.0', details: { reason: 'leaked', service_account_id: sa.id } });

    await app.deps.jobs.dispatchWebhooks();
    const delivered = receiver.received.slice(from);
    expect(delivered).toHaveLength(1);
    const event = new Webhook(hook.body.signing_secret).verify(delivered[0]!.body, delivered[0]!.headers as Record<string, string>);
    expect(event).toMatchObject({
      type: 'api_key.leaked',
      tenant,
      data: { api_key: { id, name: 'pasted-in-a-gist', prefix: 'sab_', last_four: key.slice(-4), service_account_id: sa.id }, service_account: { id: sa.id, client_id: sa.client_id } },
    });
    expect(delivered[0]!.body).not.toContain(key.slice(4, 36));
    expect((await alice.delete(`/v1/webhooks/${hook.body.id}`)).status).toBe(204);
  });

  it('when an unknown, revoked, mistyped or made-up key is reported, then the answer is exactly the same and nothing else happens', async () => {
    const sa = await createSa(alice, 'unleaked');
    const live = (await createKey(alice, sa.id, { name: 'live' })).body;
    const revoked = (await createKey(alice, sa.id, { name: 'revoked' })).body;
    expect((await alice.delete(`/v1/service-accounts/${sa.id}/api-keys/${revoked.id}`)).status).toBe(204);
    const before = await app.deps.db.prisma.auditEvent.count();
    const deliveriesBefore = await app.deps.db.prisma.webhookDelivery.count();

    const answers = [];
    const unknownKey = live.key.replace(/^sab_[0-9A-Za-z]{32}/, `sab_${'Z'.repeat(32)}`);
    for (const candidate of [unknownKey, revoked.key, mistype(live.key), 'not a key at all']) answers.push(await reportLeak(candidate));
    for (const answer of answers) {
      expect(answer.status).toBe(202);
      expect(answer.text).toBe(answers[0]!.text);
      expect(answer.headers.get('content-type')).toBe(answers[0]!.headers.get('content-type'));
    }
    expect(await app.deps.db.prisma.auditEvent.count()).toBe(before);
    expect(await app.deps.db.prisma.webhookDelivery.count()).toBe(deliveriesBefore);
    expect((await withKey(live.key).get('/v1/me')).status).toBe(200);
  });

  it('when one address reports too often, then 429 rate_limited with Retry-After', async () => {
    let last;
    while (reportsSent <= REPORTS_PER_MINUTE) last = await reportLeak(`sab_${randomBytes(8).toString('hex')}`);
    expect(last!.status).toBe(429);
    expect(last!.body).toMatchObject({ code: 'rate_limited' });
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('when the report is not JSON or has no key, then 400 or 415 as for any /v1 body; another method is 405', async () => {
    // The per-address budget of the app above is spent: this runs on an app of its own.
    const own = await startTestApp({ realms: [tenant] });
    try {
      const send = (body: string, type = 'application/json') => fetch(`${own.baseUrl}/v1/api-keys/revoke`, { method: 'POST', headers: { 'content-type': type }, body });
      expect((await send('{}')).status).toBe(400);
      expect((await send('{"key": 5}')).status).toBe(400);
      expect((await send('key=x', 'application/x-www-form-urlencoded')).status).toBe(415);
      expect((await apiClient(own.baseUrl, alice.authorization.slice('Bearer '.length)).get('/v1/api-keys/revoke')).status).toBe(405);
    } finally {
      await own.close();
    }
  });
});
