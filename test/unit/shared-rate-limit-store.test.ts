// The shared rate-limit store's counting, with an in-memory stand-in for the PostgreSQL counters
// (pure logic); the real table across replicas is tested in test/integration/load-shedding.test.ts.
import type { Options } from 'express-rate-limit';
import { describe, expect, it } from 'vitest';
import type { RateLimitCounters } from '../../src/db/rate-limit-counters.ts';
import { SharedRateLimitStore } from '../../src/http/shared-rate-limit-store.ts';

function sharedTable(now: () => number) {
  const windows = new Map<string, { startedAt: number; hits: number }>();
  let writes = 0;
  const counters: RateLimitCounters = {
    async add(key, hits, windowMs) {
      writes += 1;
      const current = windows.get(key);
      const fresh = !current || current.startedAt <= now() - windowMs;
      const next = fresh ? { startedAt: now(), hits } : { startedAt: current.startedAt, hits: current.hits + hits };
      windows.set(key, next);
      return { total: next.hits, resetAt: new Date(next.startedAt + windowMs) };
    },
    async reset(key) {
      windows.delete(key);
    },
    async prune() {
      return 0;
    },
  };
  return { counters, writes: () => writes, hitsOf: (key: string) => windows.get(key)?.hits ?? 0 };
}

const limiterOptions = { windowMs: 60_000 } as Options;

describe('shared rate-limit store', () => {
  it('when exact, then every hit is one write and the count is the table\'s', async () => {
    let clock = 0;
    const table = sharedTable(() => clock);
    const a = new SharedRateLimitStore(table.counters, { name: 'm', syncIntervalMs: 0, now: () => clock });
    const b = new SharedRateLimitStore(table.counters, { name: 'm', syncIntervalMs: 0, now: () => clock });
    a.init(limiterOptions);
    b.init(limiterOptions);
    expect((await a.increment('alice')).totalHits).toBe(1);
    expect((await b.increment('alice')).totalHits).toBe(2);
    expect((await a.increment('alice')).totalHits).toBe(3);
    expect(table.writes()).toBe(3);
    await Promise.all([a.shutdown(), b.shutdown()]);
  });

  it('when batched, then hits are counted here and sent together, and each send brings the other replicas\' hits back', async () => {
    let clock = 0;
    const table = sharedTable(() => clock);
    const a = new SharedRateLimitStore(table.counters, { name: 'k', syncIntervalMs: 60_000, now: () => clock });
    const b = new SharedRateLimitStore(table.counters, { name: 'k', syncIntervalMs: 60_000, now: () => clock });
    a.init(limiterOptions);
    b.init(limiterOptions);
    expect((await a.increment('key_1')).totalHits).toBe(1);
    for (let i = 0; i < 9; i += 1) await a.increment('key_1');
    expect((await b.increment('key_1')).totalHits).toBe(2);
    expect(table.writes()).toBe(2);
    expect((await a.increment('key_1')).totalHits).toBe(11);
    await a.flush();
    expect(table.hitsOf('k:key_1')).toBe(12);
    expect(table.writes()).toBe(3);
    // b learns a's hits at its next send.
    expect((await b.increment('key_1')).totalHits).toBe(3);
    await b.flush();
    expect((await b.increment('key_1')).totalHits).toBe(14);
    await Promise.all([a.shutdown(), b.shutdown()]);
    expect(table.hitsOf('k:key_1')).toBe(14);
  });

  it('when a window ends, then the next hit starts a new one in the table', async () => {
    let clock = 0;
    const table = sharedTable(() => clock);
    const store = new SharedRateLimitStore(table.counters, { name: 'k', syncIntervalMs: 60_000, now: () => clock });
    store.init(limiterOptions);
    await store.increment('key_1');
    await store.increment('key_1');
    clock = 61_000;
    const fresh = await store.increment('key_1');
    expect(fresh.totalHits).toBe(1);
    expect(fresh.resetTime?.getTime()).toBe(121_000);
    await store.shutdown();
  });

  it('when sending fails, then the hits are kept and sent next time', async () => {
    let clock = 0;
    const table = sharedTable(() => clock);
    let failing = false;
    const errors: unknown[] = [];
    const flaky: RateLimitCounters = { ...table.counters, add: (...args) => (failing ? Promise.reject(new Error('database down')) : table.counters.add(...args)) };
    const store = new SharedRateLimitStore(flaky, { name: 'k', syncIntervalMs: 60_000, now: () => clock, onError: (e) => errors.push(e) });
    store.init(limiterOptions);
    await store.increment('key_1');
    await store.increment('key_1');
    failing = true;
    await store.flush();
    expect(errors).toHaveLength(1);
    failing = false;
    await store.shutdown();
    expect(table.hitsOf('k:key_1')).toBe(2);
  });
});

describe('shared rate-limit store while sending', () => {
  it('when a hit arrives while earlier hits are on their way to the database, then they still count', async () => {
    let clock = 0;
    const table = sharedTable(() => clock);
    let release: () => void = () => {};
    let holding = false;
    const slow: RateLimitCounters = {
      ...table.counters,
      add: async (...args) => {
        if (holding) await new Promise<void>((resolve) => (release = resolve));
        return table.counters.add(...args);
      },
    };
    const store = new SharedRateLimitStore(slow, { name: 'k', syncIntervalMs: 60_000, now: () => clock });
    store.init(limiterOptions);
    await store.increment('key_1');
    await store.increment('key_1');
    holding = true;
    const sending = store.flush();
    expect((await store.increment('key_1')).totalHits).toBe(3);
    holding = false;
    release();
    await sending;
    expect((await store.increment('key_1')).totalHits).toBe(4);
    await store.shutdown();
  });
});
