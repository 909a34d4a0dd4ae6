// Opens the database: applies prisma/migrations, then returns a Prisma client on a driver adapter.
// Why driver adapters, and why two of them (facts, checked with Prisma 7.10):
// - Prisma 7's generated client has no native query engine: it takes a driver adapter (or a
//   Prisma Accelerate URL). Native schema-engine binaries cannot be downloaded on these
//   machines, so migrations run in Prisma's WebAssembly schema engine through an adapter too.
// - PostgreSQL (DATABASE_URL): @prisma/adapter-pg on a node-postgres pool. The pool is bounded
//   (max 10 by default) and its connect timeout makes ping() fail instead of hanging.
// - Nothing configured: PGlite, PostgreSQL compiled to WebAssembly and run in this process
//   (pglite-prisma-adapter), in memory or in a data directory. It is a single connection; one
//   PGlite instance serves both the migrations and the client of a Database. A data directory
//   must not be opened by two processes at once.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import pg from 'pg';
import { PrismaClient } from '../generated/prisma/client.ts';
import { applyMigrations, wholeScriptMigrations } from './migrate.ts';

export type DatabaseTarget =
  | { kind: 'pglite'; dataDir: string | null } // null = in memory
  | { kind: 'postgres'; url: string };

export interface Database {
  prisma: PrismaClient;
  target: DatabaseTarget;
  /** `SELECT 1`; rejects when the database cannot be reached (or after close). */
  ping(): Promise<void>;
  /**
   * Refreshes planner statistics where nothing else does: PGlite runs no autovacuum, and without
   * statistics PostgreSQL's planner sorts a whole tenant instead of walking the list index.
   * PostgreSQL servers analyze on their own, so this does nothing there.
   */
  refreshStatistics(): Promise<void>;
  /** Disconnects Prisma, then ends the pg pool or closes PGlite. Calling it again does nothing. */
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** Folder of Prisma migrations; defaults to <repo>/prisma/migrations. */
  migrationsDir?: string;
  /** Gets one line about the migrations applied, and pool trouble. */
  log?: (msg: string) => void;
  /** Gets the schema engine's own messages (default: `log`). */
  engineLog?: (msg: string) => void;
  /** Upper bound of the PostgreSQL pool (default 10); ignored for PGlite. */
  poolSize?: number;
  /**
   * In-memory PGlite only: start from this dump (`PGlite#dumpDataDir`) instead of an empty
   * cluster. Creating an empty cluster runs initdb, which takes seconds; tests use a migrated dump.
   */
  pgliteSnapshot?: Blob;
}

const repoDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const defaultMigrationsDir = path.join(repoDir, 'prisma', 'migrations');
export const schemaPath = path.join(repoDir, 'prisma', 'schema.prisma');

const connectTimeoutMs = 5_000;

type Migrate = (adapter: SqlMigrationAwareDriverAdapterFactory) => Promise<unknown>;

/** A description safe to log: kind and location, never credentials or query parameters. */
export function describeTarget(target: DatabaseTarget): string {
  if (target.kind === 'pglite') return target.dataDir ? `PGlite at ${target.dataDir}` : 'PGlite in memory';
  let url: URL;
  try {
    url = new URL(target.url);
  } catch {
    return 'PostgreSQL (unparsable URL)';
  }
  // A Unix socket may be named by ?host=/path; the rest of the query (it may hold password=) is not shown.
  const host = url.hostname || url.searchParams.get('host') || 'localhost';
  const database = decodeURIComponent(url.pathname.replace(/^\//, '')) || '(default database)';
  return `PostgreSQL at ${host}:${url.port || '5432'}/${database}`;
}

export async function openDatabase(target: DatabaseTarget, options: OpenDatabaseOptions = {}): Promise<Database> {
  const migrationsDir = options.migrationsDir ?? defaultMigrationsDir;
  const log = options.log ?? (() => {});
  const migrate = (adapter: SqlMigrationAwareDriverAdapterFactory) =>
    applyMigrations(adapter, migrationsDir, log, options.engineLog ?? log);
  return target.kind === 'postgres'
    ? openPostgres(target, migrate, log, options.poolSize ?? 10)
    : openPGlite(target, migrate, options.pgliteSnapshot);
}

async function openPostgres(
  target: Extract<DatabaseTarget, { kind: 'postgres' }>,
  migrate: Migrate,
  log: (msg: string) => void,
  poolSize: number,
): Promise<Database> {
  // Migrations get their own one-connection pool, ended afterwards: the engine's advisory lock
  // (which makes concurrent starts migrate one at a time) is released only when its connection closes.
  const migrationPool = newPool(target.url, 1, log);
  try {
    const adapter = wholeScriptMigrations(new PrismaPg(migrationPool), (sql) => migrationPool.query(sql));
    await migrate(adapter);
  } finally {
    await migrationPool.end();
  }
  const pool = newPool(target.url, poolSize, log);
  return wrap(new PrismaClient({ adapter: new PrismaPg(pool) }), target, () => pool.end());
}

async function openPGlite(target: Extract<DatabaseTarget, { kind: 'pglite' }>, migrate: Migrate, snapshot?: Blob): Promise<Database> {
  if (target.dataDir) await mkdir(target.dataDir, { recursive: true });
  const pglite = target.dataDir ? new PGlite(target.dataDir) : new PGlite(snapshot ? { loadDataDir: snapshot } : {});
  try {
    await pglite.waitReady;
    const factory = new PrismaPGlite(pglite);
    await migrate(wholeScriptMigrations(factory, (sql) => pglite.exec(sql)));
    return wrap(new PrismaClient({ adapter: factory }), target, () => pglite.close());
  } catch (error) {
    await pglite.close().catch(() => undefined);
    throw error;
  }
}

function newPool(url: string, max: number, log: (msg: string) => void): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max, connectionTimeoutMillis: connectTimeoutMs, idleTimeoutMillis: 30_000 });
  // An idle connection that breaks (server restart) emits 'error' on the pool; without a listener
  // Node would exit. The next query opens a new connection.
  pool.on('error', (error) => log(`PostgreSQL pool: idle connection lost: ${error.message}`));
  return pool;
}

function wrap(prisma: PrismaClient, target: DatabaseTarget, closeDriver: () => Promise<void>): Database {
  let closing: Promise<void> | undefined;
  return {
    prisma,
    target,
    async ping() {
      await prisma.$queryRaw`SELECT 1`;
    },
    async refreshStatistics() {
      if (target.kind === 'pglite') await prisma.$executeRawUnsafe('ANALYZE');
    },
    close() {
      closing ??= (async () => {
        try {
          await prisma.$disconnect();
        } finally {
          await closeDriver();
        }
      })();
      return closing;
    },
  };
}
