// The database: PostgreSQL through @prisma/adapter-pg when DATABASE_URL is set, else PGlite
// (PostgreSQL compiled to WebAssembly, in-process) under .data/, so `npm start` needs no server.
// Both go through Prisma driver adapters, so the same generated client and the same SQL
// migrations serve both.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import pg from 'pg';
import { repoRoot } from '../config.ts';
import { PrismaClient } from '../generated/prisma/client.ts';
import { applyMigrations } from './migrate.ts';

export type DatabaseTarget = { kind: 'pglite'; dataDir: string | null } | { kind: 'postgres'; url: string };

export interface Database {
  prisma: PrismaClient;
  target: DatabaseTarget;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export const defaultMigrationsDir = path.join(repoRoot, 'prisma', 'migrations');
export const schemaPath = path.join(repoRoot, 'prisma', 'schema.prisma');

/** A description safe to log: never the password. */
export function describeTarget(target: DatabaseTarget): string {
  if (target.kind === 'pglite') return target.dataDir ? `PGlite at ${target.dataDir}` : 'PGlite in memory';
  const url = new URL(target.url);
  return `PostgreSQL at ${url.hostname}:${url.port || 5432}${url.pathname}`;
}

export async function openDatabase(
  target: DatabaseTarget,
  options: { migrationsDir?: string; log?: (msg: string) => void; engineLog?: (msg: string) => void; poolSize?: number } = {},
): Promise<Database> {
  let adapter: SqlMigrationAwareDriverAdapterFactory;
  let migrationAdapter: SqlMigrationAwareDriverAdapterFactory;
  let closeDriver: () => Promise<void>;
  let closeMigrationDriver = async () => {};
  if (target.kind === 'postgres') {
    const pool = new pg.Pool({ connectionString: target.url, max: options.poolSize ?? 10, idleTimeoutMillis: 30_000 });
    adapter = new PrismaPg(pool);
    closeDriver = () => pool.end();
    // The schema engine takes a session-level advisory lock (so that concurrent starts migrate
    // one at a time) and must release it on the same connection: give it exactly one.
    const migrationPool = new pg.Pool({ connectionString: target.url, max: 1 });
    migrationAdapter = new PrismaPg(migrationPool);
    closeMigrationDriver = () => migrationPool.end();
  } else {
    if (target.dataDir) await mkdir(target.dataDir, { recursive: true });
    const pglite = target.dataDir ? new PGlite(target.dataDir) : new PGlite();
    await pglite.waitReady;
    adapter = new PrismaPGlite(pglite) as unknown as SqlMigrationAwareDriverAdapterFactory;
    migrationAdapter = adapter;
    closeDriver = () => pglite.close();
  }
  try {
    const { applied } = await applyMigrations(migrationAdapter, {
      schemaPath,
      migrationsDir: options.migrationsDir ?? defaultMigrationsDir,
      // The engine's own trace lines (they include whole scripts) are for debugging only.
      ...(options.engineLog && { log: options.engineLog }),
    });
    if (applied.length > 0) options.log?.(`applied migrations: ${applied.join(', ')}`);
  } catch (error) {
    await closeDriver().catch(() => undefined);
    throw error;
  } finally {
    await closeMigrationDriver();
  }
  const prisma = new PrismaClient({ adapter });
  return {
    prisma,
    target,
    async ping() {
      await prisma.$queryRaw`SELECT 1`;
    },
    async close() {
      await prisma.$disconnect();
      await closeDriver();
    },
  };
}
