// Applies prisma/migrations to the configured database and exits: the same code the bridge runs
// at start (src/db/client.ts openDatabase -> src/db/migrate.ts applyMigrations, Prisma's schema
// engine compiled to WebAssembly), without Keycloak and without serving. The Helm chart runs it
// as a pre-install/pre-upgrade hook Job, so a rollout's new pods find the schema ready.
//   npm run migrate                      (sources, tsx)
//   node dist/scripts/migrate.js         (compiled, in the image)
// Reads the same environment as the bridge (src/config.ts); it needs DATABASE_URL (the embedded
// default PostgreSQL is migrated by the bridge itself when it starts it).
// Concurrent runs are safe: the engine takes a PostgreSQL advisory lock; applying twice is a no-op.
import { InvalidConfigError, loadConfig, type Config } from '../src/config.ts';
import { describeTarget, openDatabase } from '../src/db/client.ts';
import { createLogger } from '../src/logging/logger.ts';

let config: Config;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof InvalidConfigError) {
    console.error(`sa-bridge migrate: ${error.message}`);
    process.exit(2);
  }
  throw error;
}
if (config.database.kind !== 'postgres') {
  console.error('sa-bridge migrate: set DATABASE_URL (the embedded PostgreSQL is migrated by the bridge when it starts it)');
  process.exit(2);
}
const database = config.database;
const logger = createLogger(config.logLevel);
const started = Date.now();
const target = describeTarget(database);
try {
  const db = await openDatabase(database, {
    poolSize: 1,
    log: (msg) => logger.info(msg),
    engineLog: (msg) => logger.debug({ engine: msg }, 'schema engine'),
  });
  await db.close();
  logger.info({ database: target, durationMs: Date.now() - started }, 'migrations applied');
} catch (error) {
  logger.fatal({ err: error, database: target }, 'migrations failed');
  process.exitCode = 1;
}
// The WebAssembly schema engine leaves a 10 s timer behind after its work (seen with
// schema-engine-wasm 7.10: the process idled 10 s before exiting). pino writes synchronously to
// stdout, so nothing is lost by exiting now.
process.exit();
