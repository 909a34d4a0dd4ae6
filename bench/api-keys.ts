// Benchmark: an authenticated GET with a service account's API key against the same GET with the
// same SA's access token (a JWT from Keycloak's client_credentials grant), side by side in one run.
// The bridge runs as its own process (`src/main.ts`, as `npm start` runs it), and the load comes
// from another process: wrk (Debian's `wrk`) when it is on PATH, else autocannon through npx.
// Rounds alternate JWT and API key (ABBA) so that both see the same machine state; no timing is asserted.
//
// Run: npm run bench:api-keys
// Environment: KEYCLOAK_URL + TEST_KEYCLOAK_ADMIN_CLIENT_ID/SECRET and TEST_DATABASE_URL to use
// existing servers (else the harness starts its own); BENCH_DURATION_S (default 10 per round),
// BENCH_CONNECTIONS (16), BENCH_ROUNDS (4), BENCH_PATHS (default `/v1/me,/v1/service-accounts?limit=20`).
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import {
  createBridgeAdmin,
  createRealm,
  DEMO_PASSWORD,
  startBridgeProcess,
  startDatabaseServer,
  startKeycloak,
  type BridgeProcess,
  type HarnessDatabaseServer,
  type HarnessKeycloak,
  type HarnessRealm,
} from '../test/harness/environment.ts';
import { token } from './bench-environment.ts';

const env = process.env;
const duration = Number(env.BENCH_DURATION_S ?? 10);
const connections = Number(env.BENCH_CONNECTIONS ?? 16);
const rounds = Number(env.BENCH_ROUNDS ?? 4);
const paths = (env.BENCH_PATHS ?? '/v1/me,/v1/service-accounts?limit=20').split(',').map((p) => p.trim()).filter(Boolean);
const log = (msg: string) => console.error(`[bench] ${msg}`);

interface LoadResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  failures: number;
  /** CPU the bridge process spent per request (user + system), when /proc tells. */
  cpuMsPerRequest?: number;
  /** CPU PostgreSQL's backends for the bridge's database spent per request, when /proc tells. */
  dbCpuMsPerRequest?: number;
}

const clockTicks = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** CPU time of a process so far, in ms (Linux /proc), or undefined elsewhere. */
function cpuMsOf(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks;
  } catch {
    return undefined;
  }
}

const hasWrk = spawnSync('wrk', ['--version'], { encoding: 'utf8' }).error === undefined;

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${command} exited with ${code}: ${err.slice(-2000)}`))));
  });
}

function wrkMs(text: string, label: string): number {
  const match = new RegExp(`^\\s*${label}\\s+([0-9.]+)(us|ms|s)\\s*$`, 'm').exec(text);
  if (!match) throw new Error(`wrk output without ${label}:\n${text}`);
  const value = Number(match[1]);
  return match[2] === 'us' ? value / 1000 : match[2] === 's' ? value * 1000 : value;
}

/** The PostgreSQL backends serving `database` on this machine (their titles name the database). */
function backendsOf(database: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const title = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (title.startsWith('postgres: ') && title.includes(` ${database} `)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

function dbCpuMs(database: string | undefined): number | undefined {
  if (!database || process.platform !== 'linux') return undefined;
  return backendsOf(database).reduce((sum, pid) => sum + (cpuMsOf(pid) ?? 0), 0);
}

/** Loads `url` with `authorization` for `duration` seconds from a separate process. */
async function load(url: string, authorization: string): Promise<LoadResult> {
  if (hasWrk) {
    const out = await run('wrk', ['--latency', '-t', '1', '-c', String(connections), '-d', `${duration}s`, '-H', `Authorization: ${authorization}`, url]);
    const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? NaN);
    const failures = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0) + Number(/Socket errors:.*?timeout (\d+)/.exec(out)?.[1] ?? 0);
    return { requestsPerSecond: Number(/Requests\/sec:\s+([0-9.]+)/.exec(out)?.[1]), p50Ms: wrkMs(out, '50%'), p99Ms: wrkMs(out, '99%'), requests, failures };
  }
  const out = await run('npx', ['--yes', 'autocannon@8', '--json', '-c', String(connections), '-d', String(duration), '-H', `Authorization=${authorization}`, url]);
  const report = JSON.parse(out) as { requests: { average: number; total: number }; latency: { p50: number; p99: number }; non2xx: number; errors: number };
  return { requestsPerSecond: report.requests.average, p50Ms: report.latency.p50, p99Ms: report.latency.p99, requests: report.requests.total, failures: report.non2xx + report.errors };
}

async function json(response: Response): Promise<Record<string, unknown>> {
  const body = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`HTTP ${response.status}: ${JSON.stringify(body)}`);
  return body;
}

async function main(): Promise<void> {
  let kc: HarnessKeycloak | undefined;
  let databases: HarnessDatabaseServer | undefined;
  let realm: HarnessRealm | undefined;
  let database: { url: string; drop(): Promise<void> } | undefined;
  let admin: Awaited<ReturnType<typeof createBridgeAdmin>> | undefined;
  let bridge: BridgeProcess | undefined;
  try {
    kc = await startKeycloak(log);
    databases = await startDatabaseServer(log);
    realm = await createRealm(kc, 'bench-keys');
    database = await databases.createDatabase();
    admin = await createBridgeAdmin(kc, [realm.realm]);
    bridge = await startBridgeProcess({
      KEYCLOAK_URL: kc.url,
      KEYCLOAK_ADMIN_CLIENT_ID: admin.clientId,
      KEYCLOAK_ADMIN_CLIENT_SECRET: admin.clientSecret,
      DATABASE_URL: database.url,
      LOG_LEVEL: 'silent',
      JOBS_INTERVAL_MS: '0',
      RECONCILE_INTERVAL_MS: '0',
      // The per-key limit would cap the API key side at 600 a minute.
      API_KEY_RATE_LIMIT_PER_MINUTE: '1000000000',
    });
    log(`bridge ${bridge.baseUrl} (own process), Keycloak ${kc.url}, realm ${realm.realm}`);

    const alice = await token(kc.url, realm.realm, { grant_type: 'password', client_id: 'portal', username: 'alice', password: DEMO_PASSWORD });
    const asAlice = (path: string, body?: unknown) =>
      fetch(`${bridge!.baseUrl}${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { authorization: `Bearer ${alice}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      }).then(json);
    // A tenant with some SAs, so the list page is a real one.
    for (let i = 0; i < 20; i += 1) await asAlice('/v1/service-accounts', { name: `filler-${i}` });
    const sa = await asAlice('/v1/service-accounts', { name: 'bench-caller' });
    const key = (await asAlice(`/v1/service-accounts/${sa.id as string}/api-keys`, { name: 'bench' })).key as string;
    const jwtOfSa = () => token(kc!.url, realm!.realm, { grant_type: 'client_credentials', client_id: sa.client_id as string, client_secret: sa.client_secret as string });

    // Both credentials must answer as the SA before anything is measured.
    for (const credential of [await jwtOfSa(), key]) {
      const me = await json(await fetch(`${bridge.baseUrl}/v1/me`, { headers: { authorization: `Bearer ${credential}` } }));
      if (me.service_account_id !== sa.id) throw new Error(`not the SA: ${JSON.stringify(me)}`);
    }

    const dbName = decodeURIComponent(new URL(database.url).pathname.slice(1));
    const results = new Map<string, LoadResult[]>();
    for (const path of paths) {
      const url = `${bridge.baseUrl}${path}`;
      // Warm-up: JIT, connection pool, JWKS cache.
      await load(url, `Bearer ${await jwtOfSa()}`);
      await load(url, `Bearer ${key}`);
      for (let round = 0; round < rounds; round += 1) {
        // ABBA: JWT first in even rounds, API key first in odd ones, so neither always runs second.
        for (const kind of round % 2 === 0 ? (['JWT', 'API key'] as const) : (['API key', 'JWT'] as const)) {
          // A fresh token each round: it must outlive the round (the realm's default lifetime is 300 s).
          const credential = kind === 'JWT' ? await jwtOfSa() : key;
          const cpuBefore = cpuMsOf(bridge.child.pid);
          const dbBefore = dbCpuMs(dbName);
          const result = await load(url, `Bearer ${credential}`);
          const cpuAfter = cpuMsOf(bridge.child.pid);
          const dbAfter = dbCpuMs(dbName);
          if (cpuBefore !== undefined && cpuAfter !== undefined) result.cpuMsPerRequest = (cpuAfter - cpuBefore) / result.requests;
          // The pool keeps its connections through a round; a connection opened during it would be missed (rare).
          if (dbBefore !== undefined && dbAfter !== undefined && dbAfter >= dbBefore) result.dbCpuMsPerRequest = (dbAfter - dbBefore) / result.requests;
          if (result.failures > 0) throw new Error(`${kind} on ${path}: ${result.failures} failed requests`);
          const label = `${path}  ${kind}`;
          results.set(label, [...(results.get(label) ?? []), result]);
          log(`${label}: ${result.requestsPerSecond.toFixed(0)} req/s, p50 ${result.p50Ms.toFixed(2)} ms, p99 ${result.p99Ms.toFixed(2)} ms, CPU ms/request: bridge ${result.cpuMsPerRequest?.toFixed(3) ?? '?'}, PostgreSQL ${result.dbCpuMsPerRequest?.toFixed(3) ?? '?'}`);
        }
      }
    }

    const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
    const width = Math.max(...[...results.keys()].map((k) => k.length), 20);
    console.log(`load: ${hasWrk ? 'wrk' : 'autocannon'}, ${connections} connections, ${rounds} rounds of ${duration} s each, alternating; bridge in its own process`);
    console.log(
      `${'GET, credential'.padEnd(width)}  ${'req/s'.padStart(8)}  ${'p50 ms'.padStart(8)}  ${'p99 ms'.padStart(8)}  ${'bridge CPU'.padStart(10)}  ${'PG CPU'.padStart(8)}  ${'requests'.padStart(9)}`,
    );
    const meanOf = (runs: LoadResult[], pick: (r: LoadResult) => number | undefined, digits: number) =>
      runs.every((r) => pick(r) !== undefined) ? mean(runs.map((r) => pick(r)!)).toFixed(digits) : '?';
    for (const [label, runs] of results) {
      console.log(
        `${label.padEnd(width)}  ${meanOf(runs, (r) => r.requestsPerSecond, 0).padStart(8)}  ${meanOf(runs, (r) => r.p50Ms, 2).padStart(8)}  ${meanOf(runs, (r) => r.p99Ms, 2).padStart(8)}  ${meanOf(runs, (r) => r.cpuMsPerRequest, 3).padStart(10)}  ${meanOf(runs, (r) => r.dbCpuMsPerRequest, 3).padStart(8)}  ${String(runs.reduce((a, r) => a + r.requests, 0)).padStart(9)}`,
      );
    }
    console.log('(CPU columns: ms of CPU per request spent by the bridge process and by the PostgreSQL backends of its database)');
    for (const path of paths) {
      const jwt = results.get(`${path}  JWT`)!;
      const apiKey = results.get(`${path}  API key`)!;
      const ratio = (pick: (r: LoadResult) => number | undefined) => {
        const a = apiKey.map(pick);
        const j = jwt.map(pick);
        return a.concat(j).some((v) => v === undefined) ? '?' : (mean(a as number[]) / mean(j as number[])).toFixed(3);
      };
      console.log(`${path}: API key / JWT: throughput ${ratio((r) => r.requestsPerSecond)}, p50 ${ratio((r) => r.p50Ms)}, p99 ${ratio((r) => r.p99Ms)}, CPU per request: bridge ${ratio((r) => r.cpuMsPerRequest)}, PostgreSQL ${ratio((r) => r.dbCpuMsPerRequest)}`);
    }
  } finally {
    const code = await bridge?.stop();
    if (bridge && code !== 0) log(`the bridge exited with ${code}:\n${bridge.output.join('').slice(-2000)}`);
    await database?.drop().catch((error: unknown) => log(`dropping the database failed: ${String(error)}`));
    await realm?.remove();
    await admin?.remove().catch((error: unknown) => log(`removing the admin client failed: ${String(error)}`));
    await databases?.stop();
    await kc?.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
