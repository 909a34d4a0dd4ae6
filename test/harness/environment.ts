// A real environment for tools that run outside vitest (the API fuzzer, benchmarks, the CLI and
// replica tests): a Keycloak (an existing one named by KEYCLOAK_URL, or the local launcher on free
// ports), a PostgreSQL server (TEST_DATABASE_URL, or an embedded one), tenant realms with one user
// per role, and the bridge itself as a separate process (`src/main.ts`), exactly as `npm start`
// runs it. Everything started here is stopped by stop().
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { repoRoot } from '../../src/config.ts';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/db/embedded-postgres.ts';
import { createAdminTransport } from '../../src/keycloak/admin-transport.ts';
import { createClientCredentialsSource } from '../../src/keycloak/token-client.ts';
import { freePort } from '../../src/lib/free-port.ts';
import { ensureBridgeAdminClient, grantBridgeRealmAccess, importRealm, type AdminCredentials } from '../../src/local-keycloak/keycloak-bootstrap.ts';
import { startLocalKeycloak, type LocalKeycloak } from '../../src/local-keycloak/local-server.ts';
import { renderTenantRealm } from '../../src/keycloak/realm-template.ts';

export const DEMO_PASSWORD = 'demo';
const env = process.env;

export interface HarnessKeycloak {
  url: string;
  bootstrapAdmin: AdminCredentials;
  stop(): Promise<void>;
}

export async function startKeycloak(log: (msg: string) => void): Promise<HarnessKeycloak> {
  if (env.KEYCLOAK_URL) {
    const clientId = env.TEST_KEYCLOAK_ADMIN_CLIENT_ID;
    const clientSecret = env.TEST_KEYCLOAK_ADMIN_CLIENT_SECRET;
    if (!clientId || !clientSecret) throw new Error('KEYCLOAK_URL is set: also set TEST_KEYCLOAK_ADMIN_CLIENT_ID and TEST_KEYCLOAK_ADMIN_CLIENT_SECRET (a master admin)');
    return { url: env.KEYCLOAK_URL.replace(/\/+$/, ''), bootstrapAdmin: { realm: 'master', clientId, clientSecret }, stop: async () => undefined };
  }
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'sa-bridge-harness-kc-'));
  let local: LocalKeycloak;
  try {
    local = await startLocalKeycloak({
      port: await freePort(),
      managementPort: await freePort(),
      dataDir,
      cacheDir: env.KEYCLOAK_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'sa-bridge'),
      realmsDir: path.join(repoRoot, 'keycloak-realm'),
      javaHome: env.JAVA_HOME,
      env,
      log,
    });
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: local.url,
    bootstrapAdmin: local.bootstrapAdmin,
    async stop() {
      await local.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface HarnessDatabaseServer {
  /** A fresh, empty database on the server; drop() removes it. */
  createDatabase(): Promise<{ url: string; drop(): Promise<void> }>;
  stop(): Promise<void>;
}

export async function startDatabaseServer(log: (msg: string) => void, options: { url?: string } = {}): Promise<HarnessDatabaseServer> {
  let embedded: EmbeddedPostgres | undefined;
  let dir: string | undefined;
  let serverUrl = options.url ?? env.TEST_DATABASE_URL;
  if (!serverUrl) {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sa-bridge-harness-pg-'));
    embedded = await startEmbeddedPostgres({ dir, settings: { fsync: 'off', max_connections: '300' }, env, log });
    serverUrl = embedded.url;
  }
  const onServer = async (sql: string) => {
    const client = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 5_000 });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  return {
    async createDatabase() {
      const name = `sa_bridge_harness_${randomBytes(6).toString('hex')}`;
      await onServer(`CREATE DATABASE "${name}"`);
      const url = new URL(serverUrl!);
      url.pathname = `/${name}`;
      return { url: url.toString(), drop: () => onServer(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
    },
    async stop() {
      await embedded?.stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface HarnessRealm {
  realm: string;
  /** username by role: alice tenant-admin, dave devops, vic viewer, nora none. */
  users: { admin: 'alice'; devops: 'dave'; viewer: 'vic'; nobody: 'nora' };
  remove(): Promise<void>;
}

/** A tenant realm from the template, with one user per role (password "demo"). */
export async function createRealm(kc: HarnessKeycloak, prefix: string): Promise<HarnessRealm> {
  const realm = `${prefix}-${randomBytes(3).toString('hex')}`;
  const representation = renderTenantRealm(realm);
  const person = (username: string, roles: string[]) => ({
    username,
    enabled: true,
    emailVerified: true,
    firstName: username,
    lastName: 'Harness',
    email: `${username}@${realm}.example`,
    credentials: [{ type: 'password', value: DEMO_PASSWORD, temporary: false }],
    realmRoles: roles,
  });
  representation.users = [person('alice', ['tenant-admin']), person('dave', ['devops']), person('vic', ['viewer']), person('nora', [])];
  await importRealm(kc.url, kc.bootstrapAdmin, representation);
  return {
    realm,
    users: { admin: 'alice', devops: 'dave', viewer: 'vic', nobody: 'nora' },
    async remove() {
      await masterAdmin(kc).request('delete realm', 'DELETE', `/${encodeURIComponent(realm)}`).catch(() => undefined);
    },
  };
}

/**
 * An admin client of the bridge's own that manages only the given realms, so a bridge started
 * here never touches realms other runs are using on a shared Keycloak.
 */
export async function createBridgeAdmin(kc: HarnessKeycloak, realms: string[]): Promise<{ clientId: string; clientSecret: string; remove(): Promise<void> }> {
  const bridge = { clientId: `sa-bridge-harness-${randomBytes(3).toString('hex')}`, clientSecret: randomBytes(24).toString('base64url') };
  await ensureBridgeAdminClient(kc.url, kc.bootstrapAdmin, bridge);
  for (const realm of realms) await grantBridgeRealmAccess(kc.url, kc.bootstrapAdmin, bridge.clientId, realm);
  return {
    ...bridge,
    async remove() {
      const admin = masterAdmin(kc);
      const { body } = await admin.request<Array<{ id: string; clientId: string }>>('find client', 'GET', `/master/clients?clientId=${encodeURIComponent(bridge.clientId)}`);
      for (const client of body.filter((c) => c.clientId === bridge.clientId)) await admin.request('delete client', 'DELETE', `/master/clients/${client.id}`);
    },
  };
}

/** Deletes a realm if it exists. */
export async function deleteRealm(kc: HarnessKeycloak, realm: string): Promise<void> {
  await masterAdmin(kc).request('delete realm', 'DELETE', `/${encodeURIComponent(realm)}`).catch(() => undefined);
}

/** Keycloak's admin API as the master bootstrap admin. */
export function masterAdmin(kc: HarnessKeycloak) {
  return createAdminTransport({
    keycloakUrl: kc.url,
    timeoutMs: 60_000,
    tokens: createClientCredentialsSource({ keycloakUrl: kc.url, realm: 'master', clientId: kc.bootstrapAdmin.clientId, clientSecret: kc.bootstrapAdmin.clientSecret, timeoutMs: 30_000 }),
  });
}

export interface BridgeProcess {
  baseUrl: string;
  child: ChildProcess;
  /** Its DATA_DIR: with no DATABASE_URL, its embedded PostgreSQL lives under postgres/. Removed by stop(). */
  dataDir: string;
  /** What the process wrote, for failure reports. */
  output: string[];
  /** Resolves with the exit code (null when a signal ended it) once the process has exited. */
  exited: Promise<number | null>;
  /** Sends `signal` (default SIGTERM) unless a signal was sent already, and waits for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** `src/main.ts` as its own process, as `npm start` runs it; resolves once /readyz is 200. */
export async function startBridgeProcess(
  environment: Record<string, string>,
  options: {
    startTimeoutMs?: number;
    /** Extra node flags, e.g. --cpu-prof. */
    nodeArgs?: string[];
    /** `dist` runs the compiled JavaScript of `npm run build` (dist/src/main.js) instead of the sources through tsx. */
    entry?: 'source' | 'dist';
  } = {},
): Promise<BridgeProcess> {
  const port = environment.PORT ?? String(await freePort());
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'sa-bridge-harness-bridge-'));
  // The embedded PostgreSQL runs as another OS user when we are root: it must enter (not list) this folder.
  await chmod(dataDir, 0o711);
  const entry = options.entry === 'dist' ? ['dist/src/main.js'] : ['--import', 'tsx', 'src/main.ts'];
  const child = spawn(path.join(repoRoot, 'node_modules', '.bin', 'node'), [...(options.nodeArgs ?? []), ...entry], {
    cwd: repoRoot,
    env: { PATH: env.PATH, HOME: env.HOME, DATA_DIR: dataDir, LOG_LEVEL: 'warn', HOST: '127.0.0.1', PORT: port, ...environment },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  // The last 500 chunks only: a bridge under load logs every request.
  const keep = (chunk: Buffer) => {
    output.push(chunk.toString('utf8'));
    if (output.length > 500) output.splice(0, output.length - 500);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.startTimeoutMs ?? 120_000);
  // A start that fails leaves neither the process nor its DATA_DIR behind.
  const fail = async (message: string) => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
    await rm(dataDir, { recursive: true, force: true });
    return new Error(`${message}:\n${output.join('').slice(-3000)}`);
  };
  for (;;) {
    if (child.exitCode !== null) throw await fail(`the bridge exited with ${child.exitCode} while starting`);
    if (Date.now() > deadline) throw await fail('the bridge was not ready in time');
    const ready = await fetch(`${baseUrl}/readyz`, { signal: AbortSignal.timeout(2000) }).then((r) => r.ok, () => false);
    if (ready) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    baseUrl,
    child,
    dataDir,
    output,
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null && !child.killed) child.kill(signal);
      const code = await exited;
      await rm(dataDir, { recursive: true, force: true });
      return code;
    },
  };
}
