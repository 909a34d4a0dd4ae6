// Opens the database: applies prisma/migrations, then returns a Prisma client on a driver adapter.
// Why a driver adapter (facts, checked with Prisma 7.10):
// - Prisma 7's generated client has no native query engine: it takes a driver adapter (or a
//   Prisma Accelerate URL). Native schema-engine binaries cannot be downloaded on these
//   machines, so migrations run in Prisma's WebAssembly schema engine through an adapter too.
// - @prisma/adapter-pg on a node-postgres pool, for an existing PostgreSQL (DATABASE_URL) and for
//   the embedded one (src/db/embedded-postgres.ts) alike. The pool is bounded (max 10 by
//   default) and its connect timeout makes ping() fail instead of hanging.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '../generated/prisma/client.ts';
import { createChangeFeed, type ChangeFeed } from './change-feed.ts';
import { applyMigrations, wholeScriptMigrations } from './migrate.ts';

export type DatabaseTarget = { kind: 'postgres'; url: string };

export interface Database {
  prisma: PrismaClient;
  target: DatabaseTarget;
  /** Changes to service accounts and tenants as the database announces them (change-feed.ts). */
  changes: ChangeFeed;
  /** `SELECT 1`; rejects when the database cannot be reached (or after close). */
  ping(): Promise<void>;
  /** Disconnects Prisma, then ends the pg pool. Calling it again does nothing. */
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** Folder of Prisma migrations; defaults to <repo>/prisma/migrations. */
  migrationsDir?: string;
  /** Gets one line about the migrations applied, and pool trouble. */
  log?: (msg: string) => void;
  /** Gets the schema engine's own messages (default: `log`). */
  engineLog?: (msg: string) => void;
  /** Upper bound of the PostgreSQL pool (default 10). */
  poolSize?: number;
}

const repoDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const defaultMigrationsDir = path.join(repoDir, 'prisma', 'migrations');
export const schemaPath = path.join(repoDir, 'prisma', 'schema.prisma');

const connectTimeoutMs = 5_000;

/** A description safe to log: kind and location, never credentials or query parameters. */
export function describeTarget(target: DatabaseTarget): string {
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
  // Migrations get their own one-connection pool, ended afterwards: the engine's advisory lock
  // (which makes concurrent starts migrate one at a time) is released only when its connection closes.
  const migrationPool = newPool(target.url, 1, log);
  try {
    const adapter = wholeScriptMigrations(new PrismaPg(migrationPool), (sql) => migrationPool.query(sql));
    await applyMigrations(adapter, migrationsDir, log, options.engineLog ?? log);
  } finally {
    await migrationPool.end();
  }
  const pool = newPool(target.url, options.poolSize ?? 10, log);
  const changes = createChangeFeed({ url: target.url, log });
  return wrap(new PrismaClient({ adapter: new PrismaPg(pool) }), target, changes, () => pool.end());
}

function newPool(url: string, max: number, log: (msg: string) => void): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max, connectionTimeoutMillis: connectTimeoutMs, idleTimeoutMillis: 30_000 });
  // An idle connection that breaks (server restart) emits 'error' on the pool; without a listener
  // Node would exit. The next query opens a new connection.
  pool.on('error', (error) => log(`PostgreSQL pool: idle connection lost: ${error.message}`));
  return pool;
}

function wrap(prisma: PrismaClient, target: DatabaseTarget, changes: ChangeFeed, closeDriver: () => Promise<void>): Database {
  let closing: Promise<void> | undefined;
  return {
    prisma,
    target,
    changes,
    async ping() {
      await prisma.$queryRaw`SELECT 1`;
    },
    close() {
      closing ??= (async () => {
        try {
          await changes.close();
          await prisma.$disconnect();
        } finally {
          await closeDriver();
        }
      })();
      return closing;
    },
  };
}
