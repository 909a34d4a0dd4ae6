// The API key lookup cache's rules, with a fake repository and a fake change feed (pure logic); the
// real feed with two replicas on one PostgreSQL is tested in test/integration/replicas.test.ts.
import { describe, expect, it } from 'vitest';
import { createApiKeyCredentialCache } from '../../src/api-keys/api-key-credential-cache.ts';
import type { ApiKeyCredentialRecord } from '../../src/api-keys/api-key-repository.ts';
import type { Change } from '../../src/db/change-feed.ts';

const record = (hash: string, id: string, serviceAccountId: string, tenant = 'acme'): ApiKeyCredentialRecord => ({
  id,
  tenant,
  serviceAccountId,
  keyHash: hash,
  createdAt: new Date(0),
  expiresAt: null,
  expiredAt: null,
  revokedAt: null,
  lastUsedAt: null,
  serviceAccountStatus: 'active',
  role: 'devops',
  clientId: `sa-${serviceAccountId}`,
  keycloakUserId: null,
  apiKeysAllowed: true,
  maxApiKeyLifetimeDays: 90,
});

function setUp() {
  const records = new Map([
    ['h1', record('h1', 'key_1', 'sa_1')],
    ['h2', record('h2', 'key_2', 'sa_2')],
    ['h3', record('h3', 'key_3', 'sa_3', 'globex')],
  ]);
  let lookups = 0;
  let changeListener: (change: Change) => void = () => {};
  const writeListeners: Array<() => void> = [];
  let held: Array<() => void> | undefined;
  const feed = { current: true };
  const cache = createApiKeyCredentialCache(
    {
      findForAuthentication: async (hash) => {
        lookups += 1;
        if (held) await new Promise<void>((resolve) => held!.push(resolve));
        const found = records.get(hash);
        return found ? { ...found } : null;
      },
    },
    { isCurrent: () => feed.current, subscribe: (listener) => ((changeListener = listener), () => undefined) },
    [(listener) => writeListeners.push(listener)],
  );
  const lookupsOf = async (...hashes: string[]) => {
    const before = lookups;
    for (const hash of hashes) await cache.findForAuthentication(hash);
    return lookups - before;
  };
  return {
    cache,
    records,
    feed,
    lookupsOf,
    announce: (change: Change) => changeListener(change),
    write: () => writeListeners.forEach((listener) => listener()),
    hold: () => (held = []),
    release: () => {
      const waiting = held ?? [];
      held = undefined;
      waiting.forEach((resolve) => resolve());
    },
  };
}

describe('API key credential cache', () => {
  it('when a key is looked up twice, then the database is asked once, and the answer cannot be changed by the caller', async () => {
    const t = setUp();
    const first = await t.cache.findForAuthentication('h1');
    first!.serviceAccountStatus = 'disabled';
    expect(await t.lookupsOf('h1')).toBe(0);
    expect((await t.cache.findForAuthentication('h1'))!.serviceAccountStatus).toBe('active');
  });

  it('when a key is unknown, then nothing is remembered: each lookup asks the database', async () => {
    const t = setUp();
    expect(await t.lookupsOf('nope', 'nope')).toBe(2);
  });

  it('when the key, its SA or its tenant changes anywhere, then only the keys concerned are dropped', async () => {
    const t = setUp();
    await t.lookupsOf('h1', 'h2', 'h3');
    t.announce({ table: 'api_keys', tenant: 'acme', id: 'key_1' });
    expect(await t.lookupsOf('h1', 'h2', 'h3')).toBe(1);
    t.announce({ table: 'service_accounts', tenant: 'acme', id: 'sa_2' });
    expect(await t.lookupsOf('h1', 'h2', 'h3')).toBe(1);
    t.announce({ table: 'tenants', tenant: 'globex' });
    expect(await t.lookupsOf('h1', 'h2', 'h3')).toBe(1);
    t.announce({ table: '*' });
    expect(await t.lookupsOf('h1', 'h2', 'h3')).toBe(3);
  });

  it('when this process writes a key, an SA or a policy, then everything is dropped before the writer goes on', async () => {
    const t = setUp();
    await t.lookupsOf('h1', 'h2');
    t.records.get('h1')!.revokedAt = new Date();
    t.write();
    expect((await t.cache.findForAuthentication('h1'))!.revokedAt).not.toBeNull();
    expect(await t.lookupsOf('h2')).toBe(1);
  });

  it('when the change feed is not current, then every lookup asks the database', async () => {
    const t = setUp();
    await t.lookupsOf('h1');
    t.feed.current = false;
    expect(await t.lookupsOf('h1', 'h1')).toBe(2);
  });

  it('when a change arrives while a lookup is in flight, then its answer is not remembered', async () => {
    const t = setUp();
    t.hold();
    const inFlight = t.cache.findForAuthentication('h1');
    t.announce({ table: 'api_keys', tenant: 'acme', id: 'key_1' });
    t.release();
    await inFlight;
    expect(await t.lookupsOf('h1')).toBe(1);
  });
});
