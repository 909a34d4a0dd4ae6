// Databases for tests. createTestDatabase: a fresh, migrated database (PGlite in memory, or a new
// database on the PostgreSQL server named by TEST_DATABASE_URL, which CI starts), dropped again by
// drop(). createScratchTarget: an empty database that tests open, migrate and inspect themselves.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import pg from 'pg';
import { defaultMigrationsDir, openDatabase, type Database, type DatabaseTarget } from '../../src/db/client.ts';
import { applyMigrations, wholeScriptMigrations } from '../../src/db/migrate.ts';

export type DatabaseKind = 'pglite' | 'postgres';

export const databaseKinds: DatabaseKind[] = process.env.TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];

export interface TestDatabase {
  /** Opened, with the migrations applied. */
  db: Database;
  /** The URL of the fresh database (postgres only). */
  url?: string;
  /** Closes the database; for postgres also drops it. Calling it again does nothing. */
  drop(): Promise<void>;
}

export async function createTestDatabase(kind: DatabaseKind, options: { migrationsDir?: string } = {}): Promise<TestDatabase> {
  if (kind === 'pglite') {
    const usesDefaultMigrations = !options.migrationsDir || path.resolve(options.migrationsDir) === defaultMigrationsDir;
    const pgliteSnapshot = usesDefaultMigrations ? await migratedPGliteSnapshot() : undefined;
    const db = await openDatabase({ kind: 'pglite', dataDir: null }, { ...options, ...(pgliteSnapshot && { pgliteSnapshot }) });
    return { db, drop: () => db.close() };
  }
  const { url, dropDatabase } = await createPostgresDatabase();
  let db: Database;
  try {
    db = await openDatabase({ kind: 'postgres', url }, options);
  } catch (error) {
    await dropDatabase().catch(() => undefined);
    throw error;
  }
  let dropping: Promise<void> | undefined;
  return {
    db,
    url,
    drop() {
      dropping ??= db.close().finally(dropDatabase);
      return dropping;
    },
  };
}

// An empty PGlite cluster costs an initdb (seconds); a migrated dump, made once per test worker,
// loads in about a second. openDatabase still runs the migrations against it (and applies none).
let snapshot: Promise<Blob> | undefined;
function migratedPGliteSnapshot(): Promise<Blob> {
  snapshot ??= (async () => {
    const pglite = new PGlite();
    try {
      const factory = new PrismaPGlite(pglite);
      await applyMigrations(wholeScriptMigrations(factory, (sql) => pglite.exec(sql)), defaultMigrationsDir);
      return await pglite.dumpDataDir('none');
    } finally {
      await pglite.close();
    }
  })();
  snapshot.catch(() => (snapshot = undefined));
  return snapshot;
}

export interface ScratchTarget {
  /** An empty database: a fresh PGlite data directory, or a fresh PostgreSQL database. */
  target: DatabaseTarget;
  /** Runs one query on its own connection (PGlite: opens the directory; close the Database first). */
  query<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  /** applyMigrations on its own connection, the way openDatabase drives it. */
  applyMigrations(migrationsDir: string): Promise<{ applied: string[] }>;
  /** Removes the directory or drops the database. */
  remove(): Promise<void>;
}

export async function createScratchTarget(kind: DatabaseKind): Promise<ScratchTarget> {
  if (kind === 'pglite') {
    const parent = await mkdtemp(path.join(os.tmpdir(), 'sa-bridge-pglite-'));
    const dataDir = path.join(parent, 'data');
    const withPGlite = async <T>(fn: (pglite: PGlite) => Promise<T>): Promise<T> => {
      const pglite = new PGlite(dataDir);
      try {
        return await fn(pglite);
      } finally {
        await pglite.close();
      }
    };
    return {
      target: { kind: 'pglite', dataDir },
      query: <T>(sql: string) => withPGlite(async (pglite) => (await pglite.query<T>(sql)).rows),
      applyMigrations: (dir) =>
        withPGlite((pglite) => {
          const factory = new PrismaPGlite(pglite);
          return applyMigrations(wholeScriptMigrations(factory, (sql) => pglite.exec(sql)), dir);
        }),
      remove: () => rm(parent, { recursive: true, force: true }),
    };
  }
  const { url, dropDatabase } = await createPostgresDatabase();
  return {
    target: { kind: 'postgres', url },
    async query<T>(sql: string) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        return (await client.query(sql)).rows as T[];
      } finally {
        await client.end();
      }
    },
    async applyMigrations(dir) {
      const pool = new pg.Pool({ connectionString: url, max: 1 });
      try {
        return await applyMigrations(wholeScriptMigrations(new PrismaPg(pool), (sql) => pool.query(sql)), dir);
      } finally {
        await pool.end();
      }
    },
    remove: dropDatabase,
  };
}

async function createPostgresDatabase(): Promise<{ url: string; dropDatabase(): Promise<void> }> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl) throw new Error('TEST_DATABASE_URL is not set, so there is no PostgreSQL server to test against');
  const name = `sa_bridge_test_${randomBytes(6).toString('hex')}`;
  await onServer(serverUrl, `CREATE DATABASE "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), dropDatabase: () => onServer(serverUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}

async function onServer(serverUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
