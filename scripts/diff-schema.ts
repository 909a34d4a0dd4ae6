// Prints the SQL that takes an empty database to prisma/schema.prisma, using Prisma's
// WebAssembly schema engine against an in-memory PGlite. Used to write new migrations:
//   node --import tsx scripts/diff-schema.ts > prisma/migrations/<timestamp>_<name>/migration.sql
// (then diff against the previous schema by hand or with the `migrations` target).
import { readFile } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { schemaPath } from '../src/db/client.ts';
import { createSchemaEngine } from '../src/db/schema-engine.ts';

const schema = await readFile(schemaPath, 'utf8');
const pglite = new PGlite();
const adapter = bindMigrationAwareSqlAdapterFactory(new PrismaPGlite(pglite) as never);
const engine = await createSchemaEngine(schema, adapter);
const result = await engine.diff({
  from: { tag: 'empty' },
  to: { tag: 'schemaDatamodel', files: [{ path: 'schema.prisma', content: schema }] },
  script: true,
  exitCode: null,
  filters: { externalTables: [], externalEnums: [] },
});
process.stdout.write(result.stdout ?? '');
engine.free();
await pglite.close();
