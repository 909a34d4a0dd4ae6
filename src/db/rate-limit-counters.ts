// The SQL of the shared rate-limit counters: fixed windows per key in one UNLOGGED table, moved
// forward in one upsert, so replicas on one PostgreSQL count one caller together.
import type { PrismaClient } from '../generated/prisma/client.ts';

export interface WindowCount {
  total: number;
  resetAt: Date;
}

export function createRateLimitCounters(prisma: PrismaClient) {
  return {
    /** Adds `hits` to the key's current window (a new window if the last one is over); the window's total after. */
    async add(key: string, hits: number, windowMs: number): Promise<WindowCount> {
      const rows = await prisma.$queryRaw<Array<{ total: number; resetAt: Date }>>`
        INSERT INTO rate_limit_windows AS w (key, window_started_at, hits) VALUES (${key}, now(), ${hits})
        ON CONFLICT (key) DO UPDATE SET
          hits = CASE WHEN w.window_started_at <= now() - make_interval(secs => ${windowMs / 1000}) THEN ${hits} ELSE w.hits + ${hits} END,
          window_started_at = CASE WHEN w.window_started_at <= now() - make_interval(secs => ${windowMs / 1000}) THEN now() ELSE w.window_started_at END
        RETURNING hits AS total, window_started_at + make_interval(secs => ${windowMs / 1000}) AS "resetAt"`;
      return rows[0]!;
    },

    async reset(key: string): Promise<void> {
      await prisma.$executeRaw`DELETE FROM rate_limit_windows WHERE key = ${key}`;
    },

    /** Drops windows that ended long ago (the table would otherwise keep every caller ever seen). */
    async prune(olderThanMs: number): Promise<number> {
      return prisma.$executeRaw`DELETE FROM rate_limit_windows WHERE window_started_at < now() - make_interval(secs => ${olderThanMs / 1000})`;
    },
  };
}

export type RateLimitCounters = ReturnType<typeof createRateLimitCounters>;
