// The embedded default: a real Keycloak from Maven Central, started on 127.0.0.1 with its state
// under dataDir, the demo realms imported, and the bridge's least-privilege admin client created.
// Used by `npm start` (when KEYCLOAK_URL is unset), by the tests and by the benchmarks.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { findJdk } from './find-jdk.ts';
import { BRIDGE_ADMIN_CLIENT_ID, ensureBridgeAdminClient, grantBridgeRealmAccess, importRealm, type AdminCredentials } from './keycloak-bootstrap.ts';
import { prepareDistribution } from './keycloak-distribution.ts';
import { spawnGuarded } from '../lib/process-guardian.ts';

export { grantBridgeRealmAccess, importRealm } from './keycloak-bootstrap.ts';

export const KEYCLOAK_VERSION = '26.7.4';
const MINIMUM_JAVA = 21;

export interface LocalKeycloakOptions {
  port: number;
  managementPort: number;
  /** Writable state: H2 database, transaction logs, credentials, keycloak.log. */
  dataDir: string;
  /** Downloaded and built distribution, shared by every checkout. */
  cacheDir: string;
  realmsDir: string;
  javaHome?: string;
  env?: NodeJS.ProcessEnv;
  startTimeoutMs?: number;
  log: (msg: string) => void;
}

type Credentials = { realm: 'master'; clientId: string; clientSecret: string };

/**
 * The local Keycloak's H2 database. AUTO_SERVER lets a second process (kc.sh bootstrap-admin, see
 * temporary-admin.ts) open it while the server runs: the first process serves it over loopback.
 */
export function localDatabaseUrl(dataDir: string): string {
  return `jdbc:h2:file:${path.join(dataDir, 'h2', 'keycloakdb')};NON_KEYWORDS=VALUE;AUTO_SERVER=TRUE`;
}

/**
 * Keeps the runtime's transaction logs out of the shared distribution folder, and H2's
 * AUTO_SERVER listener on loopback.
 */
export function localJavaOptions(dataDir: string): string {
  return `-Dquarkus.transaction-manager.object-store.directory=${path.join(dataDir, 'transaction-logs')} -Dh2.bindAddress=127.0.0.1`;
}

export interface LocalKeycloak {
  url: string;
  /** Full master admin: for fixtures and provisioning only, never used by the bridge itself. */
  bootstrapAdmin: Credentials;
  /** What sa-bridge signs in with. */
  bridgeAdmin: Credentials;
  javaVersion: string;
  keycloakVersion: string;
  stop(): Promise<void>;
}

interface StoredCredentials {
  bootstrap: Credentials;
  bridge: Credentials;
}

async function loadOrCreateCredentials(dataDir: string, freshDatabase: boolean): Promise<StoredCredentials> {
  const file = path.join(dataDir, 'credentials.json');
  if (existsSync(file)) return JSON.parse(await readFile(file, 'utf8')) as StoredCredentials;
  if (!freshDatabase) {
    throw new Error(`${file} is missing but Keycloak's database exists; delete ${dataDir} to start the local Keycloak afresh`);
  }
  const secret = () => randomBytes(32).toString('base64url');
  const credentials: StoredCredentials = {
    bootstrap: { realm: 'master', clientId: 'sa-bridge-bootstrap', clientSecret: secret() },
    bridge: { realm: 'master', clientId: BRIDGE_ADMIN_CLIENT_ID, clientSecret: secret() },
  };
  await writeFile(file, JSON.stringify(credentials, null, 2), { mode: 0o600 });
  await chmod(file, 0o600);
  return credentials;
}

async function tail(file: string, lines: number): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').slice(-lines).join('\n');
}

/**
 * What the bridge needs of a fresh Keycloak, given its bootstrap admin: the bridge's admin client,
 * and every realm of `realmsDir` imported (unless present) with the bridge allowed to manage it.
 * The launcher runs it after start; a Keycloak started otherwise (a container) can run it too.
 */
export async function provisionKeycloak(options: {
  url: string;
  bootstrap: AdminCredentials;
  bridge: AdminCredentials;
  realmsDir: string;
  log: (message: string) => void;
}): Promise<void> {
  const { url, bootstrap, bridge } = options;
  await ensureBridgeAdminClient(url, bootstrap, bridge);
  const files = (await readdir(options.realmsDir)).filter((f) => f.endsWith('.json')).sort();
  for (const file of files) {
    const representation = JSON.parse(await readFile(path.join(options.realmsDir, file), 'utf8')) as Record<string, unknown>;
    if (await importRealm(url, bootstrap, representation)) options.log(`imported realm ${String(representation.realm)}`);
    await grantBridgeRealmAccess(url, bootstrap, bridge.clientId, String(representation.realm));
  }
}

export async function startLocalKeycloak(options: LocalKeycloakOptions): Promise<LocalKeycloak> {
  const { log } = options;
  const env = options.env ?? {};
  const started = Date.now();
  const jdk = await findJdk({ javaHome: options.javaHome, minimumMajor: MINIMUM_JAVA, keycloakVersion: KEYCLOAK_VERSION });
  const home = await prepareDistribution({ version: KEYCLOAK_VERSION, cacheDir: options.cacheDir, jdk, env, log });

  await mkdir(options.dataDir, { recursive: true });
  const dbDir = path.join(options.dataDir, 'h2');
  const freshDatabase = !existsSync(dbDir);
  const credentials = await loadOrCreateCredentials(options.dataDir, freshDatabase);
  await mkdir(dbDir, { recursive: true });

  const url = `http://127.0.0.1:${options.port}`;
  const logFile = path.join(options.dataDir, 'keycloak.log');
  log(`starting Keycloak ${KEYCLOAK_VERSION} on ${url} (Java ${jdk.version}; log: ${logFile})`);
  const processHandle = spawnGuarded(
    path.join(home, 'bin', 'kc.sh'),
    [
      'start',
      '--optimized',
      '--http-enabled=true',
      '--http-host=127.0.0.1',
      `--http-port=${options.port}`,
      `--http-management-port=${options.managementPort}`,
      `--hostname=${url}`,
      // Clustering is off: without this, Infinispan starts JGroups and listens on all interfaces.
      '--cache=local',
      `--db-url=${localDatabaseUrl(options.dataDir)}`,
    ],
    {
      logFile,
      env: {
        ...env,
        ...(jdk.javaHome && { JAVA_HOME: jdk.javaHome }),
        JAVA_OPTS_KC_HEAP: '-Xms128m -Xmx1g',
        // Keep runtime writes out of the shared distribution folder.
        JAVA_OPTS_APPEND: localJavaOptions(options.dataDir),
        KC_BOOTSTRAP_ADMIN_CLIENT_ID: credentials.bootstrap.clientId,
        KC_BOOTSTRAP_ADMIN_CLIENT_SECRET: credentials.bootstrap.clientSecret,
      },
    },
  );

  const stop = () => processHandle.stop();
  try {
    const deadline = Date.now() + (options.startTimeoutMs ?? 300_000);
    let exitCode: number | null | undefined;
    void processHandle.exited.then((code) => {
      exitCode = code;
    });
    for (;;) {
      if (exitCode !== undefined) throw new Error(`Keycloak exited with code ${exitCode} while starting:\n${await tail(logFile, 30)}`);
      if (Date.now() > deadline) throw new Error(`Keycloak was not ready within ${options.startTimeoutMs ?? 300_000} ms:\n${await tail(logFile, 30)}`);
      const ready = await fetch(`http://127.0.0.1:${options.managementPort}/health/ready`, { signal: AbortSignal.timeout(2000) })
        .then((r) => r.ok)
        .catch(() => false);
      if (ready) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    log(`Keycloak ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);

    await provisionKeycloak({ url, bootstrap: credentials.bootstrap, bridge: credentials.bridge, realmsDir: options.realmsDir, log });
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    url,
    bootstrapAdmin: credentials.bootstrap,
    bridgeAdmin: credentials.bridge,
    javaVersion: jdk.version,
    keycloakVersion: KEYCLOAK_VERSION,
    stop,
  };
}
