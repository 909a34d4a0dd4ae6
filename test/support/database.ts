// Databases for tests, on the run's PostgreSQL server (the embedded one the global setup starts,
// or TEST_DATABASE_URL). createTestDatabase: a fresh, migrated database, dropped again by drop().
// createScratchTarget: an empty database that tests open, migrate and inspect themselves.
import { randomBytes } from 'node:crypto';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { inject } from 'vitest';
import { openDatabase, type Database, type DatabaseTarget } from '../../src/db/client.ts';
import { applyMigrations, wholeScriptMigrations } from '../../src/db/migrate.ts';

export interface TestDatabase {
  /** Opened, with the migrations applied. */
  db: Database;
  /** The URL of the fresh database. */
  url: string;
  /** Closes and drops the database. Calling it again does nothing. */
  drop(): Promise<void>;
}

export async function createTestDatabase(options: { migrationsDir?: string; connectVia?: (url: string) => string } = {}): Promise<TestDatabase> {
  const { url: directUrl, dropDatabase } = await createPostgresDatabase();
  // The app may reach the database through something in between (a proxy a test can cut); the
  // database is still created and dropped directly.
  const url = options.connectVia ? options.connectVia(directUrl) : directUrl;
  let db: Database;
  try {
    db = await openDatabase({ kind: 'postgres', url }, { migrationsDir: options.migrationsDir });
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

export interface ScratchTarget {
  /** An empty database. */
  target: DatabaseTarget;
  /** Runs one query on its own connection. */
  query<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  /** applyMigrations on its own connection, the way openDatabase drives it. */
  applyMigrations(migrationsDir: string): Promise<{ applied: string[] }>;
  /** Drops the database. */
  remove(): Promise<void>;
}

export async function createScratchTarget(): Promise<ScratchTarget> {
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
  const serverUrl = inject('database').url;
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
