// Starts the real app (buildApp through the composition root) on 127.0.0.1 and a free port,
// against the run's Keycloak and a fresh database, and captures its log lines.
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import type { Server } from 'node:http';
import { Writable } from 'node:stream';
import { loadConfig } from '../../src/config.ts';
import { randomBytes } from 'node:crypto';
import { buildAppFrom, createDependencies, type Dependencies } from '../../src/dependencies.ts';
import { resolveDeploymentId } from '../../src/deployment/deployment-repository.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { openDatabase } from '../../src/db/client.ts';
import { createTestDatabase } from './database.ts';
import { testKeycloak } from './keycloak.ts';

export interface TestApp {
  baseUrl: string;
  /** The Express app itself (its routes, for the contract's drift test). */
  express: Express;
  /** The app's own PostgreSQL database. */
  dbUrl: string;
  deps: Dependencies;
  logs: string[];
  /** The server key (sealed secrets, API key HMACs); a replica gets its original's. */
  serverKey: Buffer;
  close(): Promise<void>;
}

export async function startTestApp(options: {
  realms: string[];
  env?: Record<string, string>;
  keycloakUrl?: string;
  /** Listen here rather than on any free port (e.g. the port of PUBLIC_URL, for the console's sign-in). */
  port?: number;
  /** Share this app's database (a second replica of the same deployment); it is dropped by its owner only. */
  replicaOf?: TestApp;
  /** Rewrites the URL the app opens its fresh database with (e.g. to go through a TCP proxy). */
  databaseVia?: (url: string) => string;
}): Promise<TestApp> {
  const kc = testKeycloak();
  const { db, drop, url: dbUrl } = options.replicaOf
    ? await openReplicaDatabase(options.replicaOf.dbUrl)
    : await createTestDatabase({ connectVia: options.databaseVia });
  const config = loadConfig({
    KEYCLOAK_URL: kc.url,
    KEYCLOAK_ADMIN_CLIENT_ID: kc.bridgeAdmin.clientId,
    KEYCLOAK_ADMIN_CLIENT_SECRET: kc.bridgeAdmin.clientSecret,
    LOG_LEVEL: 'debug',
    ...options.env,
  });
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, callback) {
      logs.push(String(chunk));
      callback();
    },
  });
  const logger = createLogger(config.logLevel, sink);
  // Each test app is a deployment of its own, as a bridge with its own database is.
  const deploymentId = await resolveDeploymentId(db.prisma, config.deploymentId, async () => `t${randomBytes(4).toString('hex')}`);
  // Replicas of one deployment share its server key, as they must (sealed secrets, API key HMACs).
  const serverKey = options.replicaOf?.serverKey ?? config.serverKey ?? randomBytes(32);
  const deps = createDependencies({
    config,
    logger,
    db,
    deploymentId,
    serverKey,
    keycloak: {
      // Admin calls and JWKS go to keycloakUrl (e.g. a fault proxy); issuers stay the real server's.
      url: options.keycloakUrl ?? kc.url,
      publicUrl: kc.url,
      adminRealm: 'master',
      adminClientId: kc.bridgeAdmin.clientId,
      adminClientSecret: kc.bridgeAdmin.clientSecret,
    },
  });
  await deps.tenants.register(options.realms.map((realm) => ({ realm, displayName: realm })));
  const express = buildAppFrom(deps);
  const server: Server = express.listen(options.port ?? 0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    express,
    dbUrl,
    deps,
    logs,
    serverKey,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await deps.audit.flush();
      await drop();
    },
  };
}

async function openReplicaDatabase(url: string) {
  const db = await openDatabase({ kind: 'postgres', url });
  return { db, url, drop: () => db.close() };
}
