// Applies prisma/migrations with Prisma's own schema engine (WebAssembly build) through the
// same driver adapter the app uses, recording them in _prisma_migrations like `prisma migrate
// deploy` does. Applying twice is a no-op.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { bindMigrationAwareSqlAdapterFactory, type SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { createSchemaEngine } from './schema-engine.ts';

export async function readMigrations(migrationsDir: string) {
  const entries = await readdir(migrationsDir, { withFileTypes: true });
  const directories = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  const lockfilePath = path.join(migrationsDir, 'migration_lock.toml');
  const lockfile = await readFile(lockfilePath, 'utf8').catch(() => null);
  return {
    baseDir: migrationsDir,
    lockfile: { path: 'migration_lock.toml', content: lockfile },
    shadowDbInitScript: '',
    migrationDirectories: await Promise.all(
      directories.map(async (name) => ({
        path: name,
        migrationFile: {
          path: 'migration.sql',
          content: await readFile(path.join(migrationsDir, name, 'migration.sql'), 'utf8')
            .then((sql) => ({ tag: 'ok' as const, value: sql }))
            .catch((error: Error) => ({ tag: 'error' as const, value: error.message })),
        },
      })),
    ),
  };
}

export async function applyMigrations(
  adapterFactory: SqlMigrationAwareDriverAdapterFactory,
  options: { schemaPath: string; migrationsDir: string; log?: (msg: string) => void },
): Promise<{ applied: string[] }> {
  const schema = await readFile(options.schemaPath, 'utf8');
  const engine = await createSchemaEngine(schema, bindMigrationAwareSqlAdapterFactory(adapterFactory), options.log);
  try {
    const result = await engine.applyMigrations({
      migrationsList: await readMigrations(options.migrationsDir),
      filters: { externalTables: [], externalEnums: [] },
    });
    return { applied: result.appliedMigrationNames };
  } finally {
    engine.free();
  }
}
