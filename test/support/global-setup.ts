// Starts one Keycloak and one PostgreSQL for the whole integration run with the same launchers
// `npm start` uses, or uses existing ones when KEYCLOAK_URL or TEST_DATABASE_URL is set. Tests
// receive the connections via inject(); each test file creates its own database on the server.
import os from 'node:os';
import path from 'node:path';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import type { TestProject } from 'vitest/node';
import { repoRoot } from '../../src/config.ts';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/db/embedded-postgres.ts';
import { startLocalKeycloak, type LocalKeycloak } from '../../src/local-keycloak/local-server.ts';
import { startContainers, type Containers } from './containers.ts';
import { freePort } from './free-port.ts';

export interface TestKeycloak {
  url: string;
  source: string;
  bootstrapAdmin: { realm: 'master'; clientId: string; clientSecret: string };
  bridgeAdmin: { realm: 'master'; clientId: string; clientSecret: string };
}

export interface TestDatabaseServer {
  /** A superuser's URL; tests CREATE and DROP their own databases on this server. */
  url: string;
  source: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    keycloak: TestKeycloak;
    database: TestDatabaseServer;
  }
}

function dockerEngineAnswers(): boolean {
  try {
    execFileSync('docker', ['info', '--format', '{{.ServerVersion}}'], { stdio: 'ignore', timeout: 3000 });
    return true;
  } catch {
    return false;
  }
}

let containers: Containers | undefined;
let local: LocalKeycloak | undefined;
let dataDir: string | undefined;
let postgres: EmbeddedPostgres | undefined;
let postgresDir: string | undefined;

async function provideDatabase(project: TestProject): Promise<void> {
  const env = process.env;
  if (env.TEST_DATABASE_URL) {
    console.log('[test] PostgreSQL: existing server (TEST_DATABASE_URL)');
    project.provide('database', { url: env.TEST_DATABASE_URL, source: 'TEST_DATABASE_URL' });
    return;
  }
  postgresDir = await mkdtemp(path.join(os.tmpdir(), 'sa-bridge-test-pg-'));
  // mkdtemp makes it 0700; as root, the server runs as the OS user postgres, which must enter it.
  await chmod(postgresDir, 0o711);
  postgres = await startEmbeddedPostgres({
    dir: postgresDir,
    env,
    // A throwaway server: durability buys nothing here and costs time on every commit.
    settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off', max_connections: '200' },
    log: (msg) => console.log(`[test] ${msg}`),
  });
  console.log(`[test] PostgreSQL: embedded ${postgres.version} on 127.0.0.1:${postgres.port}`);
  project.provide('database', { url: postgres.url, source: `embedded PostgreSQL ${postgres.version}` });
}

export async function setup(project: TestProject): Promise<void> {
  const runtime = process.env.TEST_RUNTIME ?? 'launcher';
  if (runtime === 'containers') {
    if (!dockerEngineAnswers()) throw new Error('TEST_RUNTIME=containers needs a Docker engine, and none answers here');
    containers = await startContainers((msg) => console.log(`[test] ${msg}`));
    project.provide('database', { url: containers.databaseUrl, source: 'container (TEST_RUNTIME=containers)' });
    project.provide('keycloak', { ...containers.keycloak, source: 'container (TEST_RUNTIME=containers)' });
    return;
  }
  if (runtime !== 'launcher') throw new Error(`TEST_RUNTIME must be launcher or containers, not ${runtime}`);
  // Started side by side: PostgreSQL is ready long before Keycloak.
  const results = await Promise.allSettled([provideDatabase(project), provideKeycloak(project)]);
  const failure = results.find((result) => result.status === 'rejected');
  if (failure) {
    await teardown();
    throw failure.reason;
  }
}

async function provideKeycloak(project: TestProject): Promise<void> {
  const env = process.env;
  if (env.KEYCLOAK_URL) {
    const need = ['TEST_KEYCLOAK_ADMIN_CLIENT_ID', 'TEST_KEYCLOAK_ADMIN_CLIENT_SECRET', 'KEYCLOAK_ADMIN_CLIENT_SECRET'];
    const missing = need.filter((k) => !env[k]);
    if (missing.length) throw new Error(`KEYCLOAK_URL is set; tests also need ${missing.join(', ')}`);
    console.log(`[test] Keycloak: existing server at ${env.KEYCLOAK_URL} (KEYCLOAK_URL)`);
    project.provide('keycloak', {
      url: env.KEYCLOAK_URL.replace(/\/+$/, ''),
      source: 'KEYCLOAK_URL',
      bootstrapAdmin: { realm: 'master', clientId: env.TEST_KEYCLOAK_ADMIN_CLIENT_ID!, clientSecret: env.TEST_KEYCLOAK_ADMIN_CLIENT_SECRET! },
      bridgeAdmin: { realm: 'master', clientId: env.KEYCLOAK_ADMIN_CLIENT_ID ?? 'sa-bridge-admin', clientSecret: env.KEYCLOAK_ADMIN_CLIENT_SECRET! },
    });
    return;
  }
  const why = dockerEngineAnswers()
    ? 'a Docker engine answers, but the launcher is used so tests match `npm start`'
    : 'no Docker engine answers here';
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'sa-bridge-test-kc-'));
  const started = Date.now();
  local = await startLocalKeycloak({
    port: await freePort(),
    managementPort: await freePort(),
    dataDir,
    cacheDir: env.KEYCLOAK_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'sa-bridge'),
    realmsDir: path.join(repoRoot, 'keycloak-realm'),
    javaHome: env.JAVA_HOME,
    env,
    log: (msg) => console.log(`[test] ${msg}`),
  });
  const source = `local launcher (Keycloak ${local.keycloakVersion}, Java ${local.javaVersion}; ${why})`;
  console.log(`[test] Keycloak: ${source} at ${local.url}, ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  project.provide('keycloak', { url: local.url, source, bootstrapAdmin: local.bootstrapAdmin, bridgeAdmin: local.bridgeAdmin });
}

export async function teardown(): Promise<void> {
  await Promise.all([local?.stop(), postgres?.stop(), containers?.stop()]);
  await Promise.all([dataDir, postgresDir].map((dir) => dir && rm(dir, { recursive: true, force: true })));
}
