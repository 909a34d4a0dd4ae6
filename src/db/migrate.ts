// Applies prisma/migrations/<name>/migration.sql with Prisma's own schema engine, compiled to
// WebAssembly (@prisma/schema-engine-wasm), through a Prisma driver adapter. The engine records
// each migration in _prisma_migrations exactly like `prisma migrate deploy`, so the native
// engine binary (which cannot be downloaded here) is never needed. Applying twice is a no-op.
//
// Facts about the engine and the adapters that shaped this file (checked with 7.10.0):
// - The engine runs `SELECT pg_advisory_lock(72707369)` and never unlocks: the lock lasts as long
//   as the connection. Give it a connection that is closed right after (see client.ts).
// - It hands each migration file to the adapter's executeScript(). @prisma/adapter-pg splits the
//   script on every ";" and runs the pieces one by one outside a transaction, so a failing
//   migration leaves half its statements applied (and a ";" inside a string or a $$ body breaks
//   it). `wholeScriptMigrations` replaces executeScript with one simple-protocol query per file,
//   which PostgreSQL runs as one implicit transaction: a migration applies completely or not at
//   all, as with the native engine.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  bindMigrationAwareSqlAdapterFactory,
  DriverAdapterError,
  type ErrorRegistry,
  type SqlMigrationAwareDriverAdapterFactory,
} from '@prisma/driver-adapter-utils';
import type { MigrationList, SchemaEngine as SchemaEngineInstance } from '@prisma/schema-engine-wasm';
// The one loader of the wasm module in this process: wasm-bindgen keeps its instance in the glue
// module, so a second instantiation would replace the first one under its users.
import { loadSchemaEngineModule } from './schema-engine.ts';

const noFilters = { externalTables: [], externalEnums: [] };

/** Reads a migrations folder the way Prisma's CLI does: one sub-folder per migration, in name order. */
export async function readMigrations(migrationsDir: string): Promise<MigrationList> {
  const baseDir = path.resolve(migrationsDir);
  // A missing folder is an error here, never "nothing to apply": the app would start without tables.
  const entries = await readdir(baseDir, { withFileTypes: true });
  const names = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const lockfile = await readFile(path.join(baseDir, 'migration_lock.toml'), 'utf8').catch(() => null);
  return {
    baseDir,
    lockfile: { path: 'migration_lock.toml', content: lockfile },
    shadowDbInitScript: '',
    migrationDirectories: await Promise.all(
      names.map(async (name) => ({
        path: name,
        migrationFile: {
          path: 'migration.sql',
          content: await readFile(path.join(baseDir, name, 'migration.sql'), 'utf8').then(
            (sql) => ({ tag: 'ok' as const, value: sql }),
            (error: Error) => ({ tag: 'error' as const, value: error.message }),
          ),
        },
      })),
    ),
  };
}

/**
 * Wraps an adapter factory so that every migration file is sent to the database as ONE query
 * (see the top of this file for why). `runScript` must send the text unchanged over the simple
 * query protocol, on the connection the engine uses: `pool.query(sql)` on a one-connection pg
 * pool.
 */
export function wholeScriptMigrations(
  factory: SqlMigrationAwareDriverAdapterFactory,
  runScript: (sql: string) => Promise<unknown>,
): SqlMigrationAwareDriverAdapterFactory {
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    async connect() {
      const adapter = await factory.connect();
      adapter.executeScript = async (script: string) => {
        try {
          await runScript(script);
        } catch (error) {
          throw asDriverAdapterError(error);
        }
      };
      return adapter;
    },
    connectToShadowDb: () => factory.connectToShadowDb(),
  };
}

/**
 * Applies every migration in `migrationsDir` that the database has not recorded yet, and returns
 * the names it applied (empty when the database was up to date). Rejects, naming the migration,
 * when one fails; the engine then refuses to apply anything until that row is resolved.
 * `log` gets one summary line; `engineLog` (default: `log`) gets the engine's own messages.
 */
export async function applyMigrations(
  adapter: SqlMigrationAwareDriverAdapterFactory,
  migrationsDir: string,
  log: (msg: string) => void = () => {},
  engineLog: (msg: string) => void = log,
): Promise<{ applied: string[] }> {
  const migrationsList = await readMigrations(migrationsDir);
  const { SchemaEngine } = await loadSchemaEngineModule();
  const bound = bindMigrationAwareSqlAdapterFactory(adapter);
  let engine: SchemaEngineInstance | undefined;
  try {
    // No datamodel: applying migrations only needs the SQL files; the adapter names the provider.
    engine = await SchemaEngine.new({ datamodels: undefined }, (line: string) => forwardEngineLog(line, engineLog), bound);
    const { appliedMigrationNames } = await engine.applyMigrations({ migrationsList, filters: noFilters });
    const known = migrationsList.migrationDirectories.length;
    log(
      appliedMigrationNames.length > 0
        ? `migrations: applied ${appliedMigrationNames.join(', ')}`
        : `migrations: database is up to date (${known} known)`,
    );
    return { applied: appliedMigrationNames };
  } catch (error) {
    throw engineError(error, migrationsList.baseDir, bound.errorRegistry);
  } finally {
    engine?.free();
  }
}

function asDriverAdapterError(error: unknown): unknown {
  // PostgreSQL errors from pg carry the SQLSTATE; the engine turns them into readable
  // messages (e.g. "No such table: x") and stores them in _prisma_migrations.logs.
  const e = error as { code?: unknown; severity?: unknown; message?: unknown; detail?: unknown; column?: unknown; hint?: unknown };
  if (!(error instanceof Error) || typeof e.code !== 'string' || !/^[0-9A-Z]{5}$/.test(e.code)) return error;
  const optional = (value: unknown) => (typeof value === 'string' ? value : undefined);
  return new DriverAdapterError({
    kind: 'postgres',
    code: e.code,
    severity: optional(e.severity) ?? 'ERROR',
    message: error.message,
    detail: optional(e.detail),
    column: optional(e.column),
    hint: optional(e.hint),
  });
}

/** The engine logs JSON lines; pass on the message only (never the migration script it carries). */
function forwardEngineLog(line: string, log: (msg: string) => void): void {
  try {
    const entry = JSON.parse(line) as { level?: string; fields?: { message?: unknown } };
    if (entry.level === 'DEBUG' || entry.level === 'TRACE') return;
    if (typeof entry.fields?.message === 'string') {
      log(`schema engine ${(entry.level ?? 'info').toLowerCase()}: ${entry.fields.message}`);
      return;
    }
  } catch {
    // not JSON: pass it on as it is
  }
  if (line.trim()) log(`schema engine: ${line.trim()}`);
}

function engineError(error: unknown, baseDir: string, registry: ErrorRegistry): Error {
  const raw = error instanceof Error ? error.message : String(error);
  // The message is followed by a Rust span trace ("   0: sql_schema_connector::...").
  const summary = (raw.split(/\n\s*0: /)[0] ?? raw).replace(/^external connector error\n/, '').trim();
  const migration = /migration_name="([^"]+)"/.exec(raw)?.[1];
  // Errors thrown by JavaScript code inside the adapter reach the engine only as an id.
  const externalId = /External error id#(\d+)/.exec(raw)?.[1];
  const external = externalId === undefined ? undefined : registry.consumeError(Number(externalId))?.error;
  const reason = (external instanceof Error ? external.message : summary).replace(/\s*\n\s*/g, ' ');
  const code = (error as { code?: unknown } | null)?.code;
  const where = migration ? `migration ${migration} failed` : 'applying migrations failed';
  return new Error(`${where} (${baseDir})${typeof code === 'string' ? ` [${code}]` : ''}: ${reason}`, {
    cause: external ?? error,
  });
}
