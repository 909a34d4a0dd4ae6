// An express-rate-limit store whose counts every replica shares, kept in PostgreSQL
// (db/rate-limit-counters.ts), so a caller gets its limit once, not once per replica.
//
// Two ways to count:
//  - exact (syncIntervalMs 0): every hit is one upsert; used where a request costs far more than
//    that (mutations, leaked-key reports);
//  - batched: the first hit of a window on this replica asks the database; later hits are
//    counted here and sent every `syncIntervalMs` (one upsert per key with its hits), each answer
//    bringing the other replicas' hits back. Used on hot paths (requests made with an API key,
//    token exchanges), where an upsert per request would cost more than the request. The price:
//    another replica's hits are seen up to one interval late, so a caller spread over N replicas
//    may pass its limit by what it sends in that interval.
import type { IncrementResponse, Options, Store } from 'express-rate-limit';
import type { RateLimitCounters } from '../db/rate-limit-counters.ts';

interface LocalWindow {
  /** The window's total in the database at the last answer. */
  known: number;
  /** Hits counted here and not yet sent. */
  pending: number;
  /** Hits on their way to the database (counted until the answer folds them into `known`). */
  sending: number;
  resetAt: number;
}

export interface SharedRateLimitStoreOptions {
  /** Distinguishes this limiter's keys from other limiters' in the shared table. */
  name: string;
  /** 0: exact; otherwise how often hits counted here are sent (ms). */
  syncIntervalMs: number;
  onError?: (error: unknown) => void;
  now?: () => number;
}

export class SharedRateLimitStore implements Store {
  readonly localKeys = false;
  readonly prefix: string;
  private windowMs = 60_000;
  private readonly windows = new Map<string, LocalWindow>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private writes = 0;
  private readonly now: () => number;

  constructor(
    private readonly counters: RateLimitCounters,
    private readonly options: SharedRateLimitStoreOptions,
  ) {
    this.prefix = `${options.name}:`;
    this.now = options.now ?? Date.now;
  }

  init(options: Options): void {
    this.windowMs = options.windowMs;
    if (this.options.syncIntervalMs > 0 && !this.timer) {
      this.timer = setInterval(() => void this.flush(), this.options.syncIntervalMs);
      this.timer.unref();
    }
  }

  // Not async: a hit counted here is answered synchronously (express-rate-limit accepts either),
  // so the hot path awaits no promise.
  increment(key: string): IncrementResponse | Promise<IncrementResponse> {
    const id = this.prefix + key;
    const local = this.windows.get(id);
    if (this.options.syncIntervalMs > 0 && local && this.now() < local.resetAt) {
      local.pending += 1;
      return { totalHits: local.known + local.sending + local.pending, resetTime: new Date(local.resetAt) };
    }
    return this.addToDatabase(id);
  }

  private async addToDatabase(id: string): Promise<IncrementResponse> {
    const count = await this.counters.add(id, 1, this.windowMs);
    this.pruneNowAndThen();
    if (this.options.syncIntervalMs > 0) this.windows.set(id, { known: count.total, pending: 0, sending: 0, resetAt: count.resetAt.getTime() });
    return { totalHits: count.total, resetTime: count.resetAt };
  }

  async decrement(key: string): Promise<void> {
    const local = this.windows.get(this.prefix + key);
    if (local) local.pending -= 1;
    else await this.counters.add(this.prefix + key, -1, this.windowMs);
  }

  async resetKey(key: string): Promise<void> {
    this.windows.delete(this.prefix + key);
    await this.counters.reset(this.prefix + key);
  }

  /** Sends the hits counted here; resolves when they are in the database. */
  flush(): Promise<void> {
    this.flushing ??= this.sendPending().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  async shutdown(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  private async sendPending(): Promise<void> {
    const now = this.now();
    for (const [id, local] of this.windows) {
      if (now >= local.resetAt && local.pending === 0) {
        this.windows.delete(id);
        continue;
      }
      if (local.pending === 0) continue;
      const hits = local.pending;
      local.pending = 0;
      local.sending = hits;
      try {
        const count = await this.counters.add(id, hits, this.windowMs);
        this.pruneNowAndThen();
        local.known = count.total;
        local.resetAt = count.resetAt.getTime();
      } catch (error) {
        local.pending += hits;
        this.options.onError?.(error);
      } finally {
        local.sending = 0;
      }
    }
  }

  /** Every 1000th write drops windows long over from the shared table (any replica may do it). */
  private pruneNowAndThen(): void {
    this.writes += 1;
    if (this.writes % 1000 === 0) void this.counters.prune(10 * this.windowMs).catch((error: unknown) => this.options.onError?.(error));
  }
}
