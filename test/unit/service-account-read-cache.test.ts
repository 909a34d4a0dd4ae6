// The read cache's rules, with a fake repository and a fake change feed (pure logic); the real
// feed and two replicas on one PostgreSQL are tested in test/integration/replicas.test.ts.
import { describe, expect, it } from 'vitest';
import type { ServiceAccountMatch } from '../../src/auth/service-account-identity.ts';
import type { Change } from '../../src/db/change-feed.ts';
import { createServiceAccountReadCache } from '../../src/service-accounts/service-account-read-cache.ts';
import type { ServiceAccountRow } from '../../src/service-accounts/service-account-repository.ts';

function setUp(options: { maxEntries?: number } = {}) {
  const rows = new Map<string, Partial<ServiceAccountRow>>([
    ['sa_1', { id: 'sa_1', tenant: 'acme', status: 'active' }],
    ['sa_2', { id: 'sa_2', tenant: 'acme', status: 'active' }],
  ]);
  const calls = { findLive: 0, findByTokenSubject: 0 };
  let writeListener: () => void = () => {};
  let changeListener: (change: Change) => void = () => {};
  let pending: Array<() => void> | undefined;
  const feed = { current: true };
  const answer = async <T>(value: () => T): Promise<T> => {
    if (pending) await new Promise<void>((resolve) => pending!.push(resolve));
    return value();
  };
  const cache = createServiceAccountReadCache(
    {
      findLive: (tenant, id) => {
        calls.findLive += 1;
        return answer(() => {
          const row = rows.get(id);
          return row && row.tenant === tenant ? ({ ...row } as ServiceAccountRow) : null;
        });
      },
      findByTokenSubject: (tenant, subject) => {
        calls.findByTokenSubject += 1;
        return answer(() => [...rows.values()].filter((r) => r.tenant === tenant && r.keycloakUserId === subject).map((r) => ({ id: r.id!, status: r.status!, clientId: 'c' }) as ServiceAccountMatch));
      },
      onWrite: (listener) => (writeListener = listener),
    },
    { isCurrent: () => feed.current, subscribe: (listener) => ((changeListener = listener), () => undefined) },
    options,
  );
  return {
    cache,
    calls,
    rows,
    feed,
    write: () => writeListener(),
    announce: (change: Change) => changeListener(change),
    /** Holds every repository answer until release() is called. */
    hold: () => (pending = []),
    release: () => {
      const waiting = pending ?? [];
      pending = undefined;
      for (const resolve of waiting) resolve();
    },
  };
}

describe('service-account read cache', () => {
  it('when a row is read twice, then the database is asked once', async () => {
    const t = setUp();
    expect((await t.cache.findLive('acme', 'sa_1'))?.status).toBe('active');
    expect((await t.cache.findLive('acme', 'sa_1'))?.status).toBe('active');
    expect(t.calls.findLive).toBe(1);
  });

  it('when the row belongs to another tenant, then it is not found, from the database or from memory', async () => {
    const t = setUp();
    expect(await t.cache.findLive('globex', 'sa_1')).toBeNull();
    await t.cache.findLive('acme', 'sa_1');
    expect(await t.cache.findLive('globex', 'sa_1')).toBeNull();
  });

  it('when a change to the row is announced, then the next read asks the database again', async () => {
    const t = setUp();
    await t.cache.findLive('acme', 'sa_1');
    t.rows.get('sa_1')!.status = 'disabled';
    t.announce({ table: 'service_accounts', tenant: 'acme', id: 'sa_1' });
    expect((await t.cache.findLive('acme', 'sa_1'))?.status).toBe('disabled');
    expect(t.calls.findLive).toBe(2);
  });

  it('when this process writes, then everything remembered is dropped', async () => {
    const t = setUp();
    await t.cache.findLive('acme', 'sa_1');
    await t.cache.findByTokenSubject('acme', 'user-1', undefined);
    t.write();
    await t.cache.findLive('acme', 'sa_1');
    await t.cache.findByTokenSubject('acme', 'user-1', undefined);
    expect(t.calls).toEqual({ findLive: 2, findByTokenSubject: 2 });
  });

  it('when the feed cannot vouch for the last second, then every read goes to the database and nothing is remembered', async () => {
    const t = setUp();
    await t.cache.findLive('acme', 'sa_1');
    t.feed.current = false;
    await t.cache.findLive('acme', 'sa_1');
    await t.cache.findLive('acme', 'sa_2');
    t.feed.current = true;
    await t.cache.findLive('acme', 'sa_2');
    expect(t.calls.findLive).toBe(4);
  });

  it('when a change is announced while a read is in flight, then that read answers but is not remembered', async () => {
    const t = setUp();
    t.hold();
    const inFlight = t.cache.findLive('acme', 'sa_1');
    t.rows.get('sa_1')!.status = 'disabled';
    t.announce({ table: 'service_accounts', tenant: 'acme', id: 'sa_1' });
    t.release();
    await inFlight;
    expect((await t.cache.findLive('acme', 'sa_1'))?.status).toBe('disabled');
    expect(t.calls.findLive).toBe(2);
  });

  it("when a tenant's SA changes, then what tokens of that tenant are about is asked again, and other tenants' answers stay", async () => {
    const t = setUp();
    t.rows.get('sa_1')!.keycloakUserId = 'user-1';
    expect(await t.cache.findByTokenSubject('acme', 'user-1', undefined)).toHaveLength(1);
    await t.cache.findByTokenSubject('globex', 'user-9', undefined);
    t.rows.get('sa_1')!.status = 'disabled';
    t.announce({ table: 'service_accounts', tenant: 'acme', id: 'sa_2' });
    expect((await t.cache.findByTokenSubject('acme', 'user-1', undefined))[0]?.status).toBe('disabled');
    await t.cache.findByTokenSubject('globex', 'user-9', undefined);
    expect(t.calls.findByTokenSubject).toBe(3);
  });

  it('when the feed reconnects, then everything remembered is dropped', async () => {
    const t = setUp();
    await t.cache.findLive('acme', 'sa_1');
    t.announce({ table: '*' });
    await t.cache.findLive('acme', 'sa_1');
    expect(t.calls.findLive).toBe(2);
  });

  it('when more rows are read than it may hold, then the oldest is dropped first', async () => {
    const t = setUp({ maxEntries: 1 });
    await t.cache.findLive('acme', 'sa_1');
    await t.cache.findLive('acme', 'sa_2');
    await t.cache.findLive('acme', 'sa_2');
    await t.cache.findLive('acme', 'sa_1');
    expect(t.calls.findLive).toBe(3);
  });
});
