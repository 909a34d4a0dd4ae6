// Entry point: config -> Keycloak (existing, or the local one) and database (existing, or the
// embedded PostgreSQL) -> app -> listen, and a graceful shutdown that drains requests for rolling
// restarts and stops everything it started.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { InvalidConfigError, loadConfig, type Config } from './config.ts';
import { describeTarget, openDatabase, type Database } from './db/client.ts';
import { PostgresBinariesMissingError, PostgresDirectoryUnreachableError, startEmbeddedPostgres, type EmbeddedPostgres } from './db/embedded-postgres.ts';
import { buildAppFrom, createDependencies, type KeycloakConnection } from './dependencies.ts';
import { DeploymentIdMismatchError, resolveDeploymentId } from './deployment/deployment-repository.ts';
import { JdkNotFoundError } from './local-keycloak/find-jdk.ts';
import { startLocalKeycloak, type LocalKeycloak } from './local-keycloak/local-server.ts';
import { createServerDrain } from './http/server-drain.ts';
import { createLogger, type Logger } from './logging/logger.ts';

async function connectKeycloak(config: Config, logger: Logger): Promise<{ connection: KeycloakConnection; local?: LocalKeycloak }> {
  if (config.keycloak.url) {
    logger.info({ keycloak: config.keycloak.url }, 'using existing Keycloak');
    return {
      connection: {
        url: config.keycloak.url,
        publicUrl: config.keycloak.publicUrl ?? config.keycloak.url,
        adminRealm: config.keycloak.adminRealm,
        adminClientId: config.keycloak.adminClientId,
        adminClientSecret: config.keycloak.adminClientSecret as string,
      },
    };
  }
  const local = await startLocalKeycloak({
    ...config.keycloak.local,
    env: config.childEnv,
    log: (msg) => logger.info(msg),
  });
  logger.info({ keycloak: local.url, version: local.keycloakVersion, java: local.javaVersion }, 'local Keycloak ready');
  return {
    local,
    connection: {
      url: local.url,
      publicUrl: local.url,
      adminRealm: local.bridgeAdmin.realm,
      adminClientId: local.bridgeAdmin.clientId,
      adminClientSecret: local.bridgeAdmin.clientSecret,
    },
  };
}

async function connectDatabase(config: Config, logger: Logger, started: (embedded: EmbeddedPostgres) => void): Promise<Database> {
  const options = { log: (msg: string) => logger.info(msg), engineLog: (msg: string) => logger.debug({ engine: msg }, 'schema engine') };
  if (config.database.kind === 'postgres') {
    const db = await openDatabase(config.database, options);
    logger.info({ database: describeTarget(config.database) }, 'database ready');
    return db;
  }
  const embedded = await startEmbeddedPostgres({
    dir: config.database.dir,
    port: config.database.port,
    env: config.childEnv,
    log: (msg) => logger.info(msg),
  });
  started(embedded);
  const db = await openDatabase({ kind: 'postgres', url: embedded.url }, options);
  logger.info({ database: `embedded PostgreSQL ${embedded.version} on 127.0.0.1:${embedded.port}`, dataDir: embedded.dataDir }, 'database ready');
  return db;
}

/** The embedded default keeps a generated key, so sealed values (idempotent replies, webhook and
 * exchange-client secrets) survive restarts. */
async function loadServerKey(config: Config): Promise<Buffer> {
  if (config.serverKey) return config.serverKey;
  const file = path.join(config.dataDir, 'secrets', 'server.key');
  try {
    const key = Buffer.from((await readFile(file, 'utf8')).trim(), 'base64');
    if (key.length === 32) return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const key = randomBytes(32);
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(file, key.toString('base64'), { mode: 0o600 });
  return key;
}

/**
 * The id a database without one takes when DEPLOYMENT_ID is unset: kept under DATA_DIR (so the
 * embedded default keeps its id with its data), generated the first time.
 */
async function loadOrCreateDeploymentId(config: Config): Promise<string> {
  const file = path.join(config.dataDir, 'secrets', 'deployment-id');
  try {
    const id = (await readFile(file, 'utf8')).trim();
    if (/^[a-z0-9][a-z0-9-]{0,31}$/.test(id)) return id;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const id = randomBytes(5).toString('hex');
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(file, `${id}\n`, { mode: 0o600 });
  return id;
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof InvalidConfigError) {
      console.error(`sa-bridge: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  const startedAt = Date.now();

  let local: LocalKeycloak | undefined;
  let embeddedPostgres: EmbeddedPostgres | undefined;
  let db: Database | undefined;
  let server: Server | undefined;
  const drain = createServerDrain();
  let reconciler: { stop(): Promise<void> } | undefined;
  let jobs: { stop(): Promise<void> } | undefined;
  let audit: { flush(): Promise<void> } | undefined;
  let stopping = false;

  /**
   * For rolling restarts (README, "Graceful shutdown"): /readyz turns 503 at once and the process
   * keeps serving for `drainDelayMs` while balancers that probe it stop sending; then it stops
   * accepting and gives in-flight requests the shutdown timeout. Background work is told to stop
   * at the signal and ends at its next safe point meanwhile; then the audit buffer is written
   * and the database closed. The hard stop ends whatever is left after `hardStopMs`.
   */
  async function shutdown(reason: string, options: { exitCode?: number; drainDelayMs?: number } = {}): Promise<void> {
    if (stopping) return;
    stopping = true;
    const exitCode = options.exitCode ?? 0;
    const { timeoutMs, hardStopMs } = config.shutdown;
    const drainDelayMs = server ? (options.drainDelayMs ?? config.shutdown.drainDelayMs) : 0;
    const began = performance.now();
    const elapsedMs = () => Math.round(performance.now() - began);
    logger.info({ reason, drainDelayMs, timeoutMs, hardStopMs }, 'shutting down');
    const hardStop = setTimeout(() => {
      logger.error({ elapsedMs: elapsedMs() }, 'shutdown did not finish in time: hard stop');
      process.exit(exitCode || 1);
    }, hardStopMs);
    hardStop.unref();
    const background = Promise.all([reconciler?.stop(), jobs?.stop()]);
    if (server) {
      drain.begin();
      if (drainDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, drainDelayMs));
      logger.info({ elapsedMs: elapsedMs() }, 'no longer accepting connections');
      const { unfinished } = await drain.close(timeoutMs);
      if (unfinished > 0) logger.warn({ unfinished, timeoutMs }, 'requests unfinished at the shutdown timeout: their connections were closed');
      logger.info({ elapsedMs: elapsedMs() }, 'requests drained');
    }
    await background;
    await audit?.flush();
    await db?.close().catch((err: unknown) => logger.warn({ err }, 'closing the database failed'));
    await Promise.all([
      embeddedPostgres?.stop().catch((err: unknown) => logger.warn({ err }, 'stopping PostgreSQL failed')),
      local?.stop().catch((err: unknown) => logger.warn({ err }, 'stopping Keycloak failed')),
    ]);
    logger.info({ elapsedMs: elapsedMs() }, 'stopped');
    process.exit(exitCode);
  }
  // `on`, not `once`: a repeated SIGTERM (some supervisors send more than one) must not kill a
  // draining process through the default action.
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  // Ctrl-C in a terminal: no balancer to wait for, so no drain delay; requests in flight still
  // finish. A second Ctrl-C ends the process at once (the default action, the listener is gone).
  process.once('SIGINT', () => void shutdown('SIGINT', { drainDelayMs: 0 }));

  try {
    // Both are awaited even when one fails, so that shutdown stops whatever the other started.
    const [keycloakStart, databaseStart] = await Promise.allSettled([
      connectKeycloak(config, logger).then((keycloak) => {
        local = keycloak.local;
        return keycloak;
      }),
      connectDatabase(config, logger, (embedded) => {
        embeddedPostgres = embedded;
      }).then((database) => {
        db = database;
        return database;
      }),
    ]);
    if (keycloakStart.status === 'rejected') throw keycloakStart.reason;
    if (databaseStart.status === 'rejected') throw databaseStart.reason;
    const keycloak = keycloakStart.value;

    const deploymentId = await resolveDeploymentId(databaseStart.value.prisma, config.deploymentId, () => loadOrCreateDeploymentId(config));
    logger.info({ deploymentId }, 'deployment id');
    const deps = createDependencies({ config, logger, db: databaseStart.value, keycloak: keycloak.connection, serverKey: await loadServerKey(config), deploymentId });
    audit = deps.audit;
    const realms = await deps.tenants.syncFromKeycloak();
    logger.info({ realms }, 'tenants registered');
    if (config.reconciler.intervalMs > 0) {
      deps.reconciler.start(config.reconciler.intervalMs);
      reconciler = deps.reconciler;
    }
    if (config.jobsIntervalMs > 0) {
      deps.jobs.start(config.jobsIntervalMs);
      jobs = deps.jobs;
    }

    server = createServer(buildAppFrom(deps, { isDraining: () => drain.draining }));
    drain.attach(server);
    server.listen(config.port, config.host);
    await new Promise<void>((resolve, reject) => {
      server!.once('listening', resolve);
      server!.once('error', reject);
    });
    // Longer than common load balancer idle timeouts, so they close idle connections first.
    server.keepAliveTimeout = 65_000;
    server.headersTimeout = 66_000;
    logger.info({ url: `http://${config.host}:${config.port}`, startupMs: Date.now() - startedAt }, 'sa-bridge listening');
  } catch (error) {
    // A missing JDK or PostgreSQL binary, or a DATA_DIR the postgres OS user cannot enter, is a
    // setup problem with one fix: say it in one line, without a stack.
    const setupProblem =
      error instanceof JdkNotFoundError ||
      error instanceof PostgresBinariesMissingError ||
      error instanceof PostgresDirectoryUnreachableError ||
      error instanceof DeploymentIdMismatchError;
    if (setupProblem) console.error(`sa-bridge: ${error.message}`);
    else logger.fatal({ err: error }, 'start failed');
    await shutdown('start failed', { exitCode: 1, drainDelayMs: 0 });
  }
}

void main();
