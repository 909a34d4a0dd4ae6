// API keys without a server: the format and its checksum (against Python's zlib as an outside
// reference, and the README's expression for secret scanners), the keyed hash, the lifetime rules,
// and the authentication service's order of checks with a repository that counts its calls.
import { createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { createApiKeyAuthenticationService } from '../../src/api-keys/api-key-authentication-service.ts';
import { effectiveExpiry, isExpired, resolveNewKeyExpiry } from '../../src/api-keys/api-key-policy.ts';
import type { ApiKeyCredentialRecord } from '../../src/api-keys/api-key-repository.ts';
import type { AuditService } from '../../src/audit/audit-service.ts';
import { API_KEY_PATTERN, apiKeyChecksum, ApiKeyHasher, checkApiKeyShape, displayPartsOf, generateApiKey, looksLikeApiKey } from '../../src/auth/api-key-credentials.ts';
import { repoRoot } from '../../src/config.ts';

const DAY = 86_400_000;

describe('API key format', () => {
  it('when keys are generated, then each is sab_ + 32 base62 + _ + a 6-character checksum, valid, and unique', () => {
    const keys = new Set<string>();
    for (let i = 0; i < 2000; i += 1) {
      const key = generateApiKey();
      expect(key).toMatch(API_KEY_PATTERN);
      expect(checkApiKeyShape(key)).toBe('valid');
      expect(looksLikeApiKey(key)).toBe(true);
      keys.add(key);
    }
    expect(keys.size).toBe(2000);
  });

  it('when the checksum is computed, then it is CRC32 of prefix and random part in base62, as Python\'s zlib.crc32 gives', () => {
    // Reference values from CPython: zlib.crc32(b"sab_" + b"A" * 32) == 3041385378 -> "3JpLGs".
    expect(apiKeyChecksum(`sab_${'A'.repeat(32)}`)).toBe('3JpLGs');
    expect(apiKeyChecksum('sab_0123456789abcdefghijABCDEFGHIJ01')).toBe('1REpz2');
  });

  it('when any one character of the random part is changed, then the checksum no longer matches', () => {
    const key = generateApiKey();
    for (let i = 4; i < 36; i += 1) {
      const replacement = key[i] === 'x' ? 'y' : 'x';
      expect(checkApiKeyShape(`${key.slice(0, i)}${replacement}${key.slice(i + 1)}`), `position ${i}`).toBe('bad_checksum');
    }
  });

  it('when a key is truncated, has another prefix or other characters, then it is malformed', () => {
    const key = generateApiKey();
    for (const bad of [key.slice(0, -1), `${key}A`, key.replace(/^sab_/, 'sak_'), key.replace(/_/g, '-'), `${key.slice(0, 10)}+${key.slice(11)}`, '', 'eyJhbGciOi.x.y']) {
      expect(checkApiKeyShape(bad), bad).toBe('malformed');
    }
    expect(looksLikeApiKey('eyJhbGciOiJSUzI1NiJ9.e30.sig')).toBe(false);
  });

  it('when shown after creation, then only the prefix and the last four characters are', () => {
    const key = generateApiKey();
    expect(displayPartsOf(key)).toEqual({ prefix: 'sab_', lastFour: key.slice(-4) });
  });

  it("when the README's expression for secret scanners is run over text, then it finds exactly the keys", async () => {
    const readme = await readFile(path.join(repoRoot, 'README.md'), 'utf8');
    const documented = /`(\\bsab_[^`]+)`/.exec(readme)?.[1];
    expect(documented, 'the README gives the expression in backticks').toBeDefined();
    const scanner = new RegExp(documented!, 'g');
    const keys = [generateApiKey(), generateApiKey()];
    const text = `export TOKEN=${keys[0]}\n{"key":"${keys[1]}"} xsab_${'a'.repeat(32)}_abcdefg ${keys[0]!.slice(0, -1)}`;
    expect(text.match(scanner)).toEqual(keys);
  });
});

describe('the keyed hash', () => {
  const serverKey = randomBytes(32);

  it('when a key is hashed, then it is HMAC-SHA-256 under an HKDF key derived from the server key, never a plain digest', () => {
    const key = generateApiKey();
    const derived = Buffer.from(hkdfSync('sha256', serverKey, Buffer.alloc(0), 'sa-bridge api-key hmac v1', 32));
    const hash = new ApiKeyHasher(serverKey).hash(key);
    expect(hash).toBe(createHmac('sha256', derived).update(key).digest('hex'));
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).not.toBe(createHash('sha256').update(key).digest('hex'));
    expect(hash).not.toBe(createHmac('sha256', serverKey).update(key).digest('hex'));
    expect(new ApiKeyHasher(randomBytes(32)).hash(key)).not.toBe(hash);
  });

  it('when a key is compared with a stored hash, then only its own matches', () => {
    const hasher = new ApiKeyHasher(serverKey);
    const key = generateApiKey();
    expect(hasher.matches(key, hasher.hash(key))).toBe(true);
    expect(hasher.matches(generateApiKey(), hasher.hash(key))).toBe(false);
    expect(hasher.matches(key, 'abcd')).toBe(false);
  });
});

describe('API key lifetimes', () => {
  const now = new Date('2026-11-25T10:00:00Z');
  const createdAt = new Date('2026-11-01T10:00:00Z');

  it('when no lifetime is asked, then 90 days, or the tenant maximum if it is lower; more than the maximum is refused', () => {
    expect(resolveNewKeyExpiry(undefined, { maxApiKeyLifetimeDays: 90 }, now)).toEqual({ expiresAt: new Date(now.getTime() + 90 * DAY) });
    expect(resolveNewKeyExpiry(undefined, { maxApiKeyLifetimeDays: 30 }, now)).toEqual({ expiresAt: new Date(now.getTime() + 30 * DAY) });
    expect(resolveNewKeyExpiry(undefined, { maxApiKeyLifetimeDays: null }, now)).toEqual({ expiresAt: new Date(now.getTime() + 90 * DAY) });
    expect(resolveNewKeyExpiry(7, { maxApiKeyLifetimeDays: 30 }, now)).toEqual({ expiresAt: new Date(now.getTime() + 7 * DAY) });
    expect(resolveNewKeyExpiry(31, { maxApiKeyLifetimeDays: 30 }, now)).toMatchObject({ problem: { error: { path: 'body.expires_in_days' } } });
  });

  it('when no expiry is asked for, then only a policy without a maximum allows it', () => {
    expect(resolveNewKeyExpiry(null, { maxApiKeyLifetimeDays: null }, now)).toEqual({ expiresAt: null });
    expect(resolveNewKeyExpiry(null, { maxApiKeyLifetimeDays: 90 }, now)).toMatchObject({ problem: { error: { path: 'body.expires_in_days' } } });
    expect(resolveNewKeyExpiry(3650, { maxApiKeyLifetimeDays: null }, now)).toEqual({ expiresAt: new Date(now.getTime() + 3650 * DAY) });
  });

  it("when the tenant maximum is lower than a key's own expiry, then the key expires by the maximum, counted from its creation", () => {
    const own = new Date(createdAt.getTime() + 60 * DAY);
    expect(effectiveExpiry({ createdAt, expiresAt: own }, 90)).toEqual(own);
    expect(effectiveExpiry({ createdAt, expiresAt: own }, 10)).toEqual(new Date(createdAt.getTime() + 10 * DAY));
    expect(effectiveExpiry({ createdAt, expiresAt: null }, 10)).toEqual(new Date(createdAt.getTime() + 10 * DAY));
    expect(effectiveExpiry({ createdAt, expiresAt: null }, null)).toBeNull();
    expect(isExpired({ createdAt, expiresAt: own, expiredAt: null }, 10, now)).toBe(true);
    expect(isExpired({ createdAt, expiresAt: own, expiredAt: null }, 90, now)).toBe(false);
    expect(isExpired({ createdAt, expiresAt: null, expiredAt: null }, null, now)).toBe(false);
    expect(isExpired({ createdAt, expiresAt: null, expiredAt: now }, null, now)).toBe(true);
  });
});

describe('API key authentication', () => {
  const serverKey = randomBytes(32);
  const hasher = new ApiKeyHasher(serverKey);
  const key = generateApiKey();
  const now = new Date('2026-11-25T10:00:00Z');

  function record(overrides: Partial<ApiKeyCredentialRecord> = {}): ApiKeyCredentialRecord {
    return {
      id: 'key_00000000000000000001',
      tenant: 'acme',
      serviceAccountId: 'sa_00000000000000000001',
      keyHash: hasher.hash(key),
      createdAt: new Date(now.getTime() - DAY),
      expiresAt: new Date(now.getTime() + DAY),
      expiredAt: null,
      revokedAt: null,
      lastUsedAt: null,
      serviceAccountStatus: 'active',
      role: 'devops',
      clientId: 'sa-cron-sa-abc123',
      keycloakUserId: 'user-1',
      apiKeysAllowed: true,
      maxApiKeyLifetimeDays: 90,
      ...overrides,
    };
  }

  function service(found: ApiKeyCredentialRecord | null) {
    const repository = {
      findForAuthentication: vi.fn(async () => found),
      recordUse: vi.fn(async () => true),
      rememberAddress: vi.fn(async () => true),
      markExpired: vi.fn(async () => true),
    };
    const audit = { record: vi.fn(async () => undefined) };
    const serviceAccounts = { recordLastUsed: vi.fn(async () => 1) };
    const authenticator = createApiKeyAuthenticationService({
      repository,
      serviceAccounts,
      hasher,
      audit: audit as unknown as AuditService,
      logger: pino({ level: 'silent' }),
      platformRealm: 'platform',
      now: () => now,
    });
    return { authenticator, repository, audit, serviceAccounts };
  }
  const origin = { ip: '192.0.2.7', userAgent: 'cron', requestId: 'req_1' };

  it('when the key is malformed or its checksum is wrong, then 401 before any database read', async () => {
    const { authenticator, repository } = service(record());
    await expect(authenticator.authenticate(key.slice(0, -1), origin)).rejects.toMatchObject({ status: 401, detail: expect.stringMatching(/malformed/) });
    await expect(authenticator.authenticate(`${key.slice(0, 5)}${key[5] === 'Q' ? 'R' : 'Q'}${key.slice(6)}`, origin)).rejects.toMatchObject({ status: 401, detail: expect.stringMatching(/checksum/) });
    expect(repository.findForAuthentication).not.toHaveBeenCalled();
  });

  it('when the key is live, then the principal is its SA with the stored role, looked up by the HMAC only', async () => {
    const { authenticator, repository } = service(record());
    const principal = await authenticator.authenticate(key, origin);
    expect(repository.findForAuthentication).toHaveBeenCalledWith(hasher.hash(key));
    expect(JSON.stringify(repository.findForAuthentication.mock.calls)).not.toContain(key);
    expect(principal).toMatchObject({
      realm: 'acme',
      role: 'devops',
      actor: { type: 'service_account', id: 'user-1', name: 'sa-cron-sa-abc123' },
      serviceAccountId: 'sa_00000000000000000001',
      apiKeyId: 'key_00000000000000000001',
      expiresAt: Math.floor((now.getTime() + DAY) / 1000),
    });
  });

  it('when a key was found before, then later requests look up the same HMAC without computing it; an unknown key is hashed every time', async () => {
    const { authenticator, repository } = service(record());
    const expected = hasher.hash(key);
    const hashing = vi.spyOn(hasher, 'hash');
    try {
      for (let i = 0; i < 3; i += 1) await authenticator.authenticate(key, origin);
      expect(hashing).toHaveBeenCalledTimes(1);
      expect(repository.findForAuthentication.mock.calls).toEqual([[expected], [expected], [expected]]);

      hashing.mockClear();
      const unknown = service(null);
      const other = generateApiKey();
      for (let i = 0; i < 2; i += 1) await expect(unknown.authenticator.authenticate(other, origin)).rejects.toMatchObject({ status: 401 });
      expect(hashing).toHaveBeenCalledTimes(2);
    } finally {
      hashing.mockRestore();
    }
  });

  it('when the stored role is cpi-admin outside the platform realm, then the key has no role, as a token would', async () => {
    const { authenticator } = service(record({ role: 'cpi-admin' }));
    expect((await authenticator.authenticate(key, origin)).role).toBeNull();
  });

  it.each([
    ['revoked', { revokedAt: now }, /unknown or revoked/],
    ['of a disabled SA', { serviceAccountStatus: 'disabled' }, /disabled/],
    ['of a deleted SA', { serviceAccountStatus: 'deleted' }, /deleted/],
    ['switched off by policy', { apiKeysAllowed: false }, /switched off/],
    ['past its expiry', { expiresAt: new Date(now.getTime() - 1000) }, /expired at 2026-11-25T09:59:59.000Z/],
    ['past the tenant maximum', { createdAt: new Date(now.getTime() - 31 * DAY), maxApiKeyLifetimeDays: 30 }, /expired at/],
    ['whose row has another hash', { keyHash: hasher.hash(generateApiKey()) }, /unknown or revoked/],
  ])('when the key is %s, then 401', async (_label, overrides, detail) => {
    const { authenticator } = service(record(overrides));
    await expect(authenticator.authenticate(key, origin)).rejects.toMatchObject({ status: 401, code: 'invalid_token', detail: expect.stringMatching(detail) });
  });

  it('when an expired key is tried, then its expiry is recorded and audited, once', async () => {
    const { authenticator, repository, audit } = service(record({ expiresAt: new Date(now.getTime() - 1000) }));
    await expect(authenticator.authenticate(key, origin)).rejects.toMatchObject({ status: 401 });
    expect(repository.markExpired).toHaveBeenCalledTimes(1);
    expect(audit.record).toHaveBeenCalledWith(expect.objectContaining({ actor: expect.objectContaining({ type: 'system' }) }), expect.objectContaining({ action: 'api_key.expired' }));
    const recorded = service(record({ expiresAt: new Date(now.getTime() - 1000), expiredAt: now }));
    await expect(recorded.authenticator.authenticate(key, origin)).rejects.toMatchObject({ status: 401 });
    expect(recorded.repository.markExpired).not.toHaveBeenCalled();
  });

  it('when the key is used from an address, then it is recorded once, the first use audited, and a known address costs no write after that', async () => {
    const fresh = service(record());
    await fresh.authenticator.authenticate(key, origin);
    expect(fresh.repository.rememberAddress).toHaveBeenCalledWith('key_00000000000000000001', origin.ip, now);
    expect(fresh.audit.record).toHaveBeenCalledWith(expect.objectContaining({ apiKeyId: 'key_00000000000000000001', ip: origin.ip }), expect.objectContaining({ action: 'api_key.used_from_new_ip' }));
    await fresh.authenticator.authenticate(key, origin);
    expect(fresh.repository.rememberAddress).toHaveBeenCalledTimes(1);
    await fresh.authenticator.authenticate(key, { ...origin, ip: '198.51.100.1' });
    expect(fresh.repository.rememberAddress).toHaveBeenCalledTimes(2);

    // Recorded by another bridge before: no audit here.
    const elsewhere = service(record({ lastUsedAt: new Date(now.getTime() - 30_000) }));
    elsewhere.repository.rememberAddress.mockResolvedValue(false);
    await elsewhere.authenticator.authenticate(key, origin);
    expect(elsewhere.audit.record).not.toHaveBeenCalled();
  });

  it('when last use was written less than a minute ago, then it is not written again; after that, on the key and the SA', async () => {
    const recent = service(record({ lastUsedAt: new Date(now.getTime() - 30_000) }));
    await recent.authenticator.authenticate(key, origin);
    expect(recent.repository.recordUse).not.toHaveBeenCalled();
    const due = service(record({ lastUsedAt: new Date(now.getTime() - 61_000) }));
    await due.authenticator.authenticate(key, origin);
    expect(due.repository.recordUse).toHaveBeenCalledWith('key_00000000000000000001', now, origin.ip, 60_000);
    expect(due.serviceAccounts.recordLastUsed).toHaveBeenCalledWith('acme', 'sa-cron-sa-abc123', now);
  });

  it('when the database cannot be read, then 503 database_unavailable', async () => {
    const { authenticator, repository } = service(null);
    repository.findForAuthentication.mockRejectedValueOnce(new Error('connection refused'));
    await expect(authenticator.authenticate(key, origin)).rejects.toMatchObject({ status: 503, code: 'database_unavailable' });
  });
});
