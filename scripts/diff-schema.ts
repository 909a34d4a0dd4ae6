// Prints the SQL that takes the database described by prisma/migrations to
// prisma/schema.prisma, using Prisma's WebAssembly schema engine against a throwaway embedded
// PostgreSQL (its shadow database). Used to write a new migration after changing the schema:
//   node --import tsx scripts/diff-schema.ts > prisma/migrations/<timestamp>_<name>/migration.sql
// Then review it: hand-written parts (partial indexes) are not in the schema and must not be dropped.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import { bindMigrationAwareSqlAdapterFactory, ColumnTypeEnum, type SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import pg from 'pg';
import { defaultMigrationsDir, schemaPath } from '../src/db/client.ts';
import { startEmbeddedPostgres } from '../src/db/embedded-postgres.ts';
import { readMigrations } from '../src/db/migrate.ts';
import { createSchemaEngine } from '../src/db/schema-engine.ts';

const schema = await readFile(schemaPath, 'utf8');
const dir = await mkdtemp(path.join(os.tmpdir(), 'sa-bridge-diff-'));
const postgres = await startEmbeddedPostgres({ dir, env: process.env, log: (msg) => console.error(msg) });
const pools: pg.Pool[] = [];
const newPool = (database?: string) => {
  const url = new URL(postgres.url);
  if (database) url.pathname = `/${database}`;
  const pool = new pg.Pool({ connectionString: url.toString() });
  // The whole cluster is thrown away below; its shutdown ends these connections.
  pool.on('error', () => undefined);
  pools.push(pool);
  return pool;
};
// The engine reads pg_catalog columns of PostgreSQL's internal one-byte "char" type (OID 18),
// which @prisma/adapter-pg 7.10 refuses ("Column type 'char' could not be deserialized"). pg
// returns such values as one-character strings; they are handed to the engine as its Character.
type Queryable = {
  performIO(query: unknown): Promise<{ fields: Array<{ dataTypeID: number }> }>;
  queryRaw(query: unknown): Promise<{ columnTypes: number[] }>;
};
function acceptInternalChar<T>(adapter: T): T {
  const queryable = adapter as unknown as Queryable;
  const performIO = queryable.performIO.bind(queryable);
  const queryRaw = queryable.queryRaw.bind(queryable);
  let charColumns: number[] = [];
  queryable.performIO = async (query) => {
    const result = await performIO(query);
    charColumns = result.fields.flatMap((field, index) => (field.dataTypeID === 18 ? [index] : []));
    for (const index of charColumns) result.fields[index]!.dataTypeID = 25; // text, which the adapter accepts
    return result;
  };
  queryable.queryRaw = async (query) => {
    const result = await queryRaw(query);
    for (const index of charColumns) result.columnTypes[index] = ColumnTypeEnum.Character;
    return result;
  };
  return adapter;
}
try {
  const main = new PrismaPg(newPool());
  // PrismaPg's own shadow database keeps a connection open (its dispose drops the database before
  // ending its pool); on a throwaway cluster a plain extra database is enough.
  let shadows = 0;
  const factory: SqlMigrationAwareDriverAdapterFactory = {
    provider: main.provider,
    adapterName: main.adapterName,
    connect: async () => acceptInternalChar(await main.connect()),
    async connectToShadowDb() {
      const name = `shadow_${(shadows += 1)}`;
      await pools[0]!.query(`CREATE DATABASE ${name}`);
      return acceptInternalChar(await new PrismaPg(newPool(name)).connect());
    },
  };
  const engine = await createSchemaEngine(schema, bindMigrationAwareSqlAdapterFactory(factory));
  const result = await engine.diff({
    from: { tag: 'migrations', ...(await readMigrations(defaultMigrationsDir)) },
    to: { tag: 'schemaDatamodel', files: [{ path: 'schema.prisma', content: schema }] },
    script: true,
    exitCode: null,
    filters: { externalTables: [], externalEnums: [] },
  });
  process.stdout.write(result.stdout ?? '');
  engine.free();
} finally {
  await Promise.all(pools.map((pool) => pool.end().catch(() => undefined)));
  await postgres.stop();
  await rm(dir, { recursive: true, force: true });
}
