// The embedded PostgreSQL: its own life cycle, and the bridge (src/main.ts, as `npm start` runs it)
// starting, reusing and stopping it, including when the bridge is SIGKILLed.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { repoRoot } from '../../src/config.ts';
import { startEmbeddedPostgres } from '../../src/db/embedded-postgres.ts';
import { ensureBridgeAdminClient, grantBridgeRealmAccess } from '../../src/local-keycloak/keycloak-bootstrap.ts';
import { freePort } from '../support/free-port.ts';
import { clientCredentialsGrant, createTestRealm, testKeycloak } from '../support/keycloak.ts';

/** Running, not merely a zombie waiting for a reaper (PID 1 in a container may never reap it). */
function isAlive(pid: number): boolean {
  try {
    const state = execFileSync('ps', ['-o', 'stat=', '-p', String(pid)]).toString().trim();
    return state !== '' && !state.startsWith('Z');
  } catch {
    return false;
  }
}

async function waitFor(predicate: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await predicate()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return predicate();
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sa-bridge-epg-test-'));
  // mkdtemp makes it 0700; as root, the server runs as the OS user postgres, which must enter it.
  await chmod(dir, 0o711);
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** The postmaster's pid, from the first line of postmaster.pid (absent when the server is down). */
async function postmasterPid(dataDir: string): Promise<number | undefined> {
  const text = await readFile(path.join(dataDir, 'postmaster.pid'), 'utf8').catch(() => undefined);
  return text ? Number(text.split('\n')[0]) : undefined;
}

async function query<T>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

describe('startEmbeddedPostgres', () => {
  it('when started in an empty folder and again on the same folder, then the cluster, its credentials and its rows are reused, and the password is kept 0600 and never logged', async () => {
    const dir = path.join(await tempDir(), 'postgres');
    const port = await freePort();
    const logs: string[] = [];
    const first = await startEmbeddedPostgres({ dir, port, log: (msg) => logs.push(msg) });
    onTestFinished(() => first.stop());

    expect(first.port).toBe(port);
    expect(first.version).toMatch(/^\d+\.\d+/);
    await query(first.url, 'CREATE TABLE kept (note text); INSERT INTO kept VALUES ($$still here$$)');
    await first.stop();
    expect(existsSync(path.join(first.dataDir, 'postmaster.pid'))).toBe(false);

    const second = await startEmbeddedPostgres({ dir, log: (msg) => logs.push(msg) });
    onTestFinished(() => second.stop());

    expect(await query(second.url, 'SELECT note FROM kept')).toEqual([{ note: 'still here' }]);
    expect(new URL(second.url).password).toBe(new URL(first.url).password);
    expect(logs.filter((line) => line.startsWith('initialised'))).toHaveLength(1);
    const credentials = path.join(dir, 'credentials.json');
    expect((await stat(credentials)).mode & 0o777).toBe(0o600);
    const password = (JSON.parse(await readFile(credentials, 'utf8')) as { password: string }).password;
    expect(password.length).toBeGreaterThanOrEqual(24);
    expect(logs.join('\n')).not.toContain(password);
    expect(await readFile(path.join(dir, 'postgres.log'), 'utf8')).not.toContain(password);
  });

  it('when the port is taken, then starting rejects with the server log and leaves no server running', async () => {
    const dir = path.join(await tempDir(), 'postgres');
    const running = await startEmbeddedPostgres({ dir: path.join(await tempDir(), 'other'), log: () => {} });
    onTestFinished(() => running.stop());

    await expect(startEmbeddedPostgres({ dir, port: running.port, log: () => {} })).rejects.toThrow(/PostgreSQL exited with code \d+ while starting:[\s\S]*could not (bind|create)/);
    expect(await postmasterPid(path.join(dir, 'data'))).toBeUndefined();
  });
});

describe('the bridge with its embedded PostgreSQL', () => {
  // The bridge registers every realm its admin client may manage at start; other test files
  // create and delete realms meanwhile, so this bridge gets an admin client of its own that
  // manages one realm only.
  const admin = { clientId: `sa-bridge-epg-${randomBytes(3).toString('hex')}`, clientSecret: randomBytes(24).toString('base64url') };
  beforeAll(async () => {
    const kc = testKeycloak();
    const realm = await createTestRealm('epg');
    await ensureBridgeAdminClient(kc.url, kc.bootstrapAdmin, admin);
    await grantBridgeRealmAccess(kc.url, kc.bootstrapAdmin, admin.clientId, realm.realm);
    return async () => {
      await realm.remove();
      const token = (await clientCredentialsGrant(kc.url, 'master', kc.bootstrapAdmin.clientId, kc.bootstrapAdmin.clientSecret)).access_token;
      const headers = { authorization: `Bearer ${token}` };
      const [client] = (await (await fetch(`${kc.url}/admin/realms/master/clients?clientId=${admin.clientId}`, { headers })).json()) as Array<{ id: string }>;
      if (client) await (await fetch(`${kc.url}/admin/realms/master/clients/${client.id}`, { method: 'DELETE', headers })).body?.cancel();
    };
  });

  function startBridge(dataDir: string, port: number): { bridge: ChildProcess; output: () => string; exited: Promise<number | null> } {
    const kc = testKeycloak();
    const bridge = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'src/main.ts')], {
      cwd: repoRoot,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        DATA_DIR: dataDir,
        PORT: String(port),
        KEYCLOAK_URL: kc.url,
        KEYCLOAK_ADMIN_CLIENT_ID: admin.clientId,
        KEYCLOAK_ADMIN_CLIENT_SECRET: admin.clientSecret,
        RECONCILE_INTERVAL_MS: '0',
        JOBS_INTERVAL_MS: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    bridge.stdout!.on('data', (chunk: Buffer) => (output += String(chunk)));
    bridge.stderr!.on('data', (chunk: Buffer) => (output += String(chunk)));
    const exited = new Promise<number | null>((resolve) => bridge.once('exit', (code) => resolve(code)));
    onTestFinished(() => {
      if (bridge.exitCode === null && bridge.signalCode === null) bridge.kill('SIGKILL');
    });
    return { bridge, output: () => output, exited };
  }

  async function ready(port: number, bridge: ChildProcess, output: () => string): Promise<void> {
    const up = await waitFor(async () => {
      if (bridge.exitCode !== null) throw new Error(`the bridge exited while starting:\n${output()}`);
      return fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false);
    }, 90_000);
    if (!up) throw new Error(`the bridge was not ready:\n${output()}`);
  }

  it(
    'when the bridge is SIGKILLed, then its PostgreSQL shuts down within seconds, and the next start reuses the data and stops it cleanly on SIGTERM',
    async () => {
      const dataDir = await tempDir();
      const pgData = path.join(dataDir, 'postgres', 'data');

      const port = await freePort();
      const first = startBridge(dataDir, port);
      await ready(port, first.bridge, first.output);
      const postmaster = (await postmasterPid(pgData))!;
      expect(isAlive(postmaster)).toBe(true);
      expect(first.output()).toContain('migrations: applied');
      expect(first.output()).toMatch(/"realms":\["t-epg-[0-9a-f]+"\]/);

      first.bridge.kill('SIGKILL');
      expect(await waitFor(() => !isAlive(postmaster), 10_000)).toBe(true);
      // A fast shutdown (not a crash): the server removed its lock file on the way out.
      expect(await postmasterPid(pgData)).toBeUndefined();

      const secondPort = await freePort();
      const second = startBridge(dataDir, secondPort);
      await ready(secondPort, second.bridge, second.output);
      const secondPostmaster = (await postmasterPid(pgData))!;
      expect(second.output()).toMatch(/migrations: database is up to date/);
      expect(second.output()).not.toContain('initialised a PostgreSQL cluster');

      second.bridge.kill('SIGTERM');
      expect(await second.exited).toBe(0);
      expect(isAlive(secondPostmaster)).toBe(false);
      expect(await postmasterPid(pgData)).toBeUndefined();
      expect(await readFile(path.join(dataDir, 'postgres', 'postgres.log'), 'utf8')).toMatch(/database system is shut down\s*$/);

      const password = (JSON.parse(await readFile(path.join(dataDir, 'postgres', 'credentials.json'), 'utf8')) as { password: string }).password;
      expect(first.output() + second.output()).not.toContain(password);
    },
    240_000,
  );
});
