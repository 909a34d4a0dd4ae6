// Prints the SQL that takes the database described by prisma/migrations to
// prisma/schema.prisma, using Prisma's WebAssembly schema engine against an in-memory PGlite
// (as the shadow database). Used to write a new migration after changing the schema:
//   node --import tsx scripts/diff-schema.ts > prisma/migrations/<timestamp>_<name>/migration.sql
// Then review it: hand-written parts (partial indexes) are not in the schema and must not be dropped.
import { readFile } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { defaultMigrationsDir, schemaPath } from '../src/db/client.ts';
import { readMigrations } from '../src/db/migrate.ts';
import { createSchemaEngine } from '../src/db/schema-engine.ts';

const schema = await readFile(schemaPath, 'utf8');
const pglite = new PGlite();
const adapter = bindMigrationAwareSqlAdapterFactory(new PrismaPGlite(pglite) as never);
const engine = await createSchemaEngine(schema, adapter);
const result = await engine.diff({
  from: { tag: 'migrations', ...(await readMigrations(defaultMigrationsDir)) },
  to: { tag: 'schemaDatamodel', files: [{ path: 'schema.prisma', content: schema }] },
  script: true,
  exitCode: null,
  filters: { externalTables: [], externalEnums: [] },
});
process.stdout.write(result.stdout ?? '');
engine.free();
await pglite.close();
