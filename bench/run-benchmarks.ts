// npm run bench: every figure of the performance targets in one run, side by side with its
// baseline, the bridge in its own process (src/main.ts, as `npm start` runs it) and the load from
// another (autocannon). One column per database: the embedded default, and DATABASE_URL's server
// when it is set. Ends with a line per target saying met or missed.
//
//   BENCH_SECONDS=10         length of each load (after BENCH_WARMUP_SECONDS=2 unmeasured)
//   BENCH_CONNECTIONS=20     concurrent connections of each load
//   BENCH_CREATES=60         sequential creates per path; BENCH_BURST=200 at BENCH_BURST_CONCURRENCY=20
//   BENCH_ONLY=reads,exchange,create,burst,list    a subset of the groups (keys: only the API key /
//                            SA token pair of reads, alternated; by-id: only hello / SA by id, alternated)
//   BENCH_COMPARISON_ROUNDS=6 extra alternated pairs of API key / SA token and hello / SA by id loads
//   BENCH_PROFILE=1          a CPU profile of the bridge per load (inspector), summarised after the table
//   BENCH_PROFILE_DIR=dir    also keeps each profile there as <row>-<column>.cpuprofile (Chrome DevTools opens them)
//   BENCH_ENTRY=dist         run the compiled JavaScript (npm run build) instead of the sources via tsx
//   BENCH_NODE_ARGS='…'      extra node flags for the bridge (e.g. heap limits)
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { repoRoot } from '../src/config.ts';
import { startKeycloak } from '../test/harness/environment.ts';
import { EXCHANGE_AUDIENCE, grantToken, readExchangeClient, startColumn, type Column, type ColumnSpec } from './bench-setup.ts';
import { formatProfile, summariseProfile } from './cpu-profile.ts';
import { burst, checkConsistency, creators } from './create-benchmarks.ts';
import { openCpuWindow } from './cpu-usage.ts';
import { connectProfiler, type InspectorProfiler } from './inspector-profiler.ts';
import { generateLoad, type LoadResult, type LoadTarget } from './load-generator.ts';
import { readRssBytes, sampleRss } from './rss-sampler.ts';
import { percentile } from './stats.ts';

const env = process.env;
const seconds = Number(env.BENCH_SECONDS ?? 10);
const warmupSeconds = Number(env.BENCH_WARMUP_SECONDS ?? 2);
const connections = Number(env.BENCH_CONNECTIONS ?? 20);
const createCount = Number(env.BENCH_CREATES ?? 60);
const burstCount = Number(env.BENCH_BURST ?? 200);
const burstConcurrency = Number(env.BENCH_BURST_CONCURRENCY ?? 20);
const comparisonRounds = Number(env.BENCH_COMPARISON_ROUNDS ?? 6);
const groups = new Set((env.BENCH_ONLY ?? 'reads,exchange,create,burst,list').split(',').map((g) => g.trim()));
const profileDir = env.BENCH_PROFILE_DIR;
const profiling = Boolean(env.BENCH_PROFILE || profileDir);
const entry = env.BENCH_ENTRY === 'dist' ? 'dist' : 'source';
const nodeArgs = env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
const log = (m: string) => console.error(`[bench] ${m}`);

const MB = 1024 * 1024;
const GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS = 'urn:ietf:params:oauth:token-type:access_token';

type Figures = Map<string, number>;
const rowOrder: Array<{ key: string; label: string; target: string }> = [
  { key: 'hello', label: 'bare Express GET /hello (baseline)', target: 'baseline' },
  { key: 'healthz', label: 'GET /healthz', target: '' },
  { key: 'me-user', label: 'GET /v1/me, user token', target: '' },
  { key: 'me-sa', label: 'GET /v1/me, SA token', target: '' },
  { key: 'me-key', label: 'GET /v1/me, the same SA\'s API key', target: '' },
  { key: 'key-vs-jwt', label: 'API key / SA token throughput on GET /v1/me', target: '>= 0.95 (no slower)' },
  { key: 'sa-by-id', label: 'GET /v1/service-accounts/{id}, user token', target: '' },
  { key: 'by-id-vs-hello', label: 'SA by id / hello throughput', target: '>= 0.5' },
  { key: 'by-id-cpu', label: 'CPU per request, SA by id / hello (their processes)', target: '' },
  { key: 'list-page', label: 'GET /v1/service-accounts?limit=20, user token', target: '' },
  { key: 'rss', label: 'bridge RSS: idle / peak under load / after', target: '<= 200 MB' },
  { key: 'exchange', label: 'exchange throughput, bridge / direct Keycloak', target: '>= 0.9' },
  { key: 'exchange-cpu', label: 'machine CPU per exchange, via the bridge / direct', target: '' },
  { key: 'exchange-p50', label: 'exchange p50 overhead (sequential)', target: '< 5 ms' },
  { key: 'create', label: 'create p50, bridge / direct admin calls', target: '<= 1.15' },
  { key: 'burst', label: `${burstCount} creates at ${burstConcurrency} over 4 tenants, bridge / direct`, target: '>= 0.8, 0 errors, 0 orphans, 0 dangling' },
  { key: 'list', label: 'list limit=100 p50, 10,000 SAs / 100 SAs', target: '<= 1.5, p50 <= 15 ms' },
];

interface ColumnResult {
  label: string;
  cells: Map<string, string>;
  figures: Figures;
  profiles: string[];
}

async function startHello(): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  const child = spawn(process.execPath, [path.join(repoRoot, 'bench', 'hello-server.mjs')], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.once('data', (chunk: Buffer) => resolve((JSON.parse(chunk.toString('utf8')) as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`hello server exited with ${code}`)));
  });
  return {
    url: `http://127.0.0.1:${port}/hello`,
    pid: child.pid!,
    stop: () => new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}

const rate = (r: LoadResult) => `${Math.round(r.requestsPerSecond).toLocaleString('en-US')} req/s, p50 ${r.p50} ms`;

async function measure(result: ColumnResult, key: string, target: LoadTarget, profiler: InspectorProfiler | undefined, expectStatus = 2): Promise<LoadResult> {
  await profiler?.start();
  const load = await generateLoad(target, { connections, seconds, warmupSeconds });
  if (profiler) {
    const profile = await profiler.stop();
    result.profiles.push(formatProfile(`${key} (${result.label})`, summariseProfile(profile)));
    if (profileDir) await writeFile(path.join(profileDir, `${key}-${result.label.replace(/\W+/g, '-')}.cpuprofile`), JSON.stringify(profile));
  }
  const failed = load.non2xx + load.errors;
  if (expectStatus === 2 && failed > 0) log(`${key}: ${failed} of ${load.total} requests failed (non-2xx ${load.non2xx}, errors ${load.errors})`);
  result.figures.set(key, load.requestsPerSecond);
  return load;
}

async function createServiceAccount(column: Column, name: string, body: Record<string, unknown> = {}) {
  const response = await fetch(`${column.bridge.baseUrl}/v1/service-accounts`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await column.userToken()}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name, ...body }),
  });
  if (response.status !== 201) throw new Error(`create ${name}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as { id: string; client_id: string; client_secret: string };
}

type ReadsMode = 'all' | 'keys' | 'by-id';

/** A load whose serving process's CPU is counted over the measured seconds (after the warm-up). */
async function loadWithCpu(target: LoadTarget, pid: number): Promise<{ load: LoadResult; cpuUsPerRequest: number }> {
  const loading = generateLoad(target, { connections, seconds, warmupSeconds });
  // autocannon takes ~0.2 s to start: the window opens a little late into the warm-up and closes
  // when the measured load has ended, so it covers the measured seconds (plus idle time, which costs nothing).
  await new Promise((resolve) => setTimeout(resolve, warmupSeconds * 1000 + 200));
  const window = await openCpuWindow(pid);
  const load = await loading;
  const { processMs } = await window.stop();
  // A comparison over failed requests (an expired token's 401s) would compare the error path.
  if (load.non2xx + load.errors > 0) throw new Error(`${target.url}: ${load.non2xx} non-2xx and ${load.errors} errors of ${load.total} requests`);
  return { load, cpuUsPerRequest: ((processMs ?? 0) * 1000) / Math.max(1, load.total) };
}

/**
 * Loads A and B alternated (A B B A A B …). This VM's speed drifts by up to 25 % from one load to the
 * next, so each B is divided by the A next to it, and the figure is the median of those ratios.
 */
/** A target, or how to build it before each load (a user token lives 5 minutes; the comparisons take longer). */
type PairTarget = LoadTarget | (() => Promise<LoadTarget>);

async function alternatePairs(a: { target: PairTarget; pid: number }, b: { target: PairTarget; pid: number }, first?: number) {
  const ratios = first === undefined ? [] : [first];
  const cpu = { a: [] as number[], b: [] as number[] };
  for (let round = 0; round < comparisonRounds + (first === undefined ? 1 : 0); round += 1) {
    const order: Array<'a' | 'b'> = round % 2 === 1 ? ['b', 'a'] : ['a', 'b'];
    const rates: Record<string, number> = {};
    for (const which of order) {
      const side = which === 'a' ? a : b;
      const { load, cpuUsPerRequest } = await loadWithCpu(typeof side.target === 'function' ? await side.target() : side.target, side.pid);
      rates[which] = load.requestsPerSecond;
      cpu[which].push(cpuUsPerRequest);
    }
    ratios.push(rates.b! / rates.a!);
  }
  const sorted = [...ratios].sort((x, y) => x - y);
  const median = percentile(ratios, 50);
  return {
    median,
    cell: `${median.toFixed(2)} (median of ${ratios.length} adjacent pairs; ${sorted[0]!.toFixed(2)}-${sorted.at(-1)!.toFixed(2)})`,
    cpuA: percentile(cpu.a, 50),
    cpuB: percentile(cpu.b, 50),
  };
}

async function runReads(column: Column, result: ColumnResult, hello: { url: string; pid: number }, profiler: InspectorProfiler | undefined, mode: ReadsMode) {
  const base = column.bridge.baseUrl;
  const bridgePid = column.bridge.child.pid!;
  const sa = await createServiceAccount(column, 'reader', { access_token_ttl: 3600 });
  const saToken = (await grantToken(column.kc.url, column.realms[0]!.realm, { clientId: sa.client_id, clientSecret: sa.client_secret, clientCredentials: true })).accessToken;
  const user = { authorization: `Bearer ${await column.userToken()}` };
  const keyResponse = await fetch(`${base}/v1/service-accounts/${sa.id}/api-keys`, {
    method: 'POST',
    headers: { ...user, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'bench' }),
  });
  if (keyResponse.status !== 201) throw new Error(`create API key: HTTP ${keyResponse.status} ${await keyResponse.text()}`);
  const apiKey = ((await keyResponse.json()) as { key: string }).key;
  for (let i = 0; i < 20; i += 1) await createServiceAccount(column, `page-${i}`);

  const helloTarget: LoadTarget = { url: hello.url };
  const rows: Array<[string, LoadTarget]> = [
    ['healthz', { url: `${base}/healthz` }],
    ['me-user', { url: `${base}/v1/me`, headers: user }],
    ['me-sa', { url: `${base}/v1/me`, headers: { authorization: `Bearer ${saToken}` } }],
    ['me-key', { url: `${base}/v1/me`, headers: { authorization: `Bearer ${apiKey}` } }],
    ['sa-by-id', { url: `${base}/v1/service-accounts/${sa.id}`, headers: { authorization: `Bearer ${await column.userToken()}` } }],
    ['list-page', { url: `${base}/v1/service-accounts?limit=20`, headers: { authorization: `Bearer ${await column.userToken()}` } }],
  ];
  const targetOf = (key: string) => rows.find(([k]) => k === key)![1];
  const wanted = (key: string) => mode === 'all' || (mode === 'keys' ? key === 'me-sa' || key === 'me-key' : key === 'sa-by-id');
  const helloLoad = await measure(result, 'hello', helloTarget, undefined);
  result.cells.set('hello', rate(helloLoad));
  for (const [key, target] of rows) {
    if (!wanted(key)) continue;
    const load = await measure(result, key, target, profiler);
    result.cells.set(key, `${rate(load)} (${((load.requestsPerSecond / helloLoad.requestsPerSecond) * 100).toFixed(0)} % of hello)`);
  }
  if (mode !== 'by-id') {
    const keys = await alternatePairs(
      { target: targetOf('me-sa'), pid: bridgePid },
      { target: targetOf('me-key'), pid: bridgePid },
      result.figures.get('me-key')! / result.figures.get('me-sa')!,
    );
    result.figures.set('key-vs-jwt', keys.median);
    result.cells.set('key-vs-jwt', keys.cell);
  }
  if (mode !== 'keys') {
    const byId = await alternatePairs(
      { target: helloTarget, pid: hello.pid },
      { target: async () => ({ ...targetOf('sa-by-id'), headers: { authorization: `Bearer ${await column.userToken()}` } }), pid: bridgePid },
      result.figures.get('sa-by-id')! / result.figures.get('hello')!,
    );
    result.figures.set('by-id-vs-hello', byId.median);
    result.cells.set('by-id-vs-hello', byId.cell);
    result.cells.set('by-id-cpu', `${byId.cpuB.toFixed(0)} / ${byId.cpuA.toFixed(0)} µs (medians)`);
  }
}

async function runExchange(column: Column, result: ColumnResult, profiler: InspectorProfiler | undefined) {
  const realm = column.realms[0]!.realm;
  const sa = await createServiceAccount(column, 'exchanger', { access_token_ttl: 3600 });
  // One subject token for the whole run (its lifetime covers it), as a workload would reuse it.
  const subject = (await grantToken(column.kc.url, realm, { clientId: sa.client_id, clientSecret: sa.client_secret, clientCredentials: true })).accessToken;
  const exchangeClient = await readExchangeClient(column.kc, realm);
  const form = { grant_type: GRANT, subject_token: subject, subject_token_type: ACCESS, audience: EXCHANGE_AUDIENCE };
  const formHeaders = { 'content-type': 'application/x-www-form-urlencoded' };
  const viaBridge: LoadTarget = { url: `${column.bridge.baseUrl}/v1/token-exchange`, method: 'POST', headers: formHeaders, body: new URLSearchParams(form).toString() };
  const direct: LoadTarget = {
    url: `${column.kc.url}/realms/${realm}/protocol/openid-connect/token`,
    method: 'POST',
    headers: formHeaders,
    body: new URLSearchParams({ ...form, client_id: exchangeClient.clientId, client_secret: exchangeClient.clientSecret, requested_token_type: ACCESS }).toString(),
  };
  const once = async (target: LoadTarget) => {
    const t0 = performance.now();
    const response = await fetch(target.url, { method: 'POST', headers: target.headers, body: target.body });
    if (response.status !== 200) throw new Error(`exchange at ${target.url}: HTTP ${response.status} ${await response.text()}`);
    await response.json();
    return performance.now() - t0;
  };
  for (let i = 0; i < 20; i += 1) {
    await once(direct);
    await once(viaBridge);
  }
  const directTimes: number[] = [];
  const bridgeTimes: number[] = [];
  for (let i = 0; i < 200; i += 1) {
    directTimes.push(await once(direct));
    bridgeTimes.push(await once(viaBridge));
  }
  const overhead = percentile(bridgeTimes, 50) - percentile(directTimes, 50);
  result.figures.set('exchange-p50', overhead);
  result.cells.set('exchange-p50', `${overhead.toFixed(2)} ms (bridge ${percentile(bridgeTimes, 50).toFixed(2)}, direct ${percentile(directTimes, 50).toFixed(2)})`);

  // Alternated twice, so that a drift of the machine or of Keycloak's caches hits both paths.
  const directRates: number[] = [];
  const bridgeRates: number[] = [];
  // CPU per exchange (ms): the machine's for each path, and the bridge process's own share.
  const directCpu: number[] = [];
  const bridgeCpu: number[] = [];
  const bridgeOwnCpu: number[] = [];
  const perRequest = (cpuMs: number, load: LoadResult) => cpuMs / (load.requestsPerSecond * (seconds + warmupSeconds));
  for (let round = 0; round < 2; round += 1) {
    let window = await openCpuWindow();
    const directLoad = await generateLoad(direct, { connections, seconds, warmupSeconds });
    directCpu.push(perRequest((await window.stop()).machineMs, directLoad));
    directRates.push(directLoad.requestsPerSecond);
    window = await openCpuWindow(column.bridge.child.pid);
    const bridgeLoad = await measure(result, 'exchange-load', viaBridge, round === 0 ? profiler : undefined);
    const used = await window.stop();
    bridgeCpu.push(perRequest(used.machineMs, bridgeLoad));
    bridgeOwnCpu.push(perRequest(used.processMs ?? Number.NaN, bridgeLoad));
    bridgeRates.push(bridgeLoad.requestsPerSecond);
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const ratio = mean(bridgeRates) / mean(directRates);
  result.figures.set('exchange', ratio);
  result.cells.set('exchange', `${ratio.toFixed(2)} (${Math.round(mean(bridgeRates))} / ${Math.round(mean(directRates))} per s)`);
  result.cells.set(
    'exchange-cpu',
    `${mean(bridgeCpu).toFixed(2)} / ${mean(directCpu).toFixed(2)} ms (the bridge process: ${mean(bridgeOwnCpu).toFixed(2)} ms)`,
  );
}

async function runCreates(column: Column, result: ColumnResult) {
  const create = await creators(column);
  const realm = column.realms[1]!.realm;
  for (let i = 0; i < 5; i += 1) {
    await create.direct(realm, `warm-direct-${i}`);
    await create.viaBridge(1, `warm-${i}`);
  }
  const direct: number[] = [];
  const bridge: number[] = [];
  for (let i = 0; i < createCount; i += 1) {
    // Interleaved, so that both paths see the same Keycloak (its database grows as we go).
    let t0 = performance.now();
    await create.direct(realm, `direct-${i}`);
    direct.push(performance.now() - t0);
    t0 = performance.now();
    await create.viaBridge(1, `one-${i}`);
    bridge.push(performance.now() - t0);
  }
  const ratio = percentile(bridge, 50) / percentile(direct, 50);
  result.figures.set('create', ratio);
  result.cells.set('create', `${ratio.toFixed(2)} (${percentile(bridge, 50).toFixed(1)} / ${percentile(direct, 50).toFixed(1)} ms)`);
}

async function runBurst(column: Column, result: ColumnResult) {
  const create = await creators(column);
  const realms = column.realms.map((r) => r.realm);
  const direct = await burst(burstCount, burstConcurrency, (i) => create.direct(realms[i % 4]!, `burst-direct-${i}`));
  const bridge = await burst(burstCount, burstConcurrency, (i) => create.viaBridge(i % 4, `burst-${i}`));
  const consistency = await checkConsistency(column);
  for (const error of [...direct.errors, ...bridge.errors].slice(0, 5)) log(`burst error: ${error}`);
  for (const problem of [...consistency.orphans.map((o) => `orphan ${o}`), ...consistency.dangling.map((d) => `dangling ${d}`)].slice(0, 10)) log(problem);
  const ratio = bridge.perSecond / direct.perSecond;
  result.figures.set('burst', ratio);
  result.figures.set('burst-faults', bridge.errors.length + direct.errors.length + consistency.orphans.length + consistency.dangling.length);
  result.cells.set(
    'burst',
    `${ratio.toFixed(2)} (${bridge.perSecond.toFixed(1)} / ${direct.perSecond.toFixed(1)} per s); errors ${bridge.errors.length}+${direct.errors.length}, orphans ${consistency.orphans.length}, dangling ${consistency.dangling.length} of ${consistency.rows} rows`,
  );
}

async function runList(column: Column, result: ColumnResult) {
  const realm = column.realms[2]!.realm;
  const db = new pg.Client({ connectionString: column.databaseUrl });
  await db.connect();
  // The list reads the database only, so the extra rows are inserted there directly; statistics
  // are refreshed after each bulk load, as autovacuum would within a minute.
  const topUp = async (total: number) => {
    const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM service_accounts WHERE tenant = $1', [realm]);
    const have = Number(rows[0]!.n);
    await db.query(
      `INSERT INTO service_accounts (id, tenant, name, client_id, role, status, created_by_type, created_by_id, created_by_name, created_at, updated_at)
       SELECT 'sa_F' || lpad(g::text, 19, '0'), $1, 'filler-' || g, 'sa-filler-' || g, 'viewer', 'active'::service_account_status,
              'user'::actor_type, 'bench', 'bench', now() - g * interval '1 second', now()
       FROM generate_series($2::int, $3::int) AS g`,
      [realm, have, total - 1],
    );
    await db.query('ANALYZE service_accounts');
  };
  const token = await column.userToken(2);
  const sample = async () => {
    const call = async () => {
      const t0 = performance.now();
      const response = await fetch(`${column.bridge.baseUrl}/v1/service-accounts?limit=100`, { headers: { authorization: `Bearer ${token}` } });
      const body = (await response.json()) as { items: unknown[] };
      if (body.items.length !== 100) throw new Error(`expected a full page, got HTTP ${response.status}`);
      return performance.now() - t0;
    };
    for (let i = 0; i < 20; i += 1) await call();
    const samples: number[] = [];
    for (let i = 0; i < 200; i += 1) samples.push(await call());
    return percentile(samples, 50);
  };
  try {
    await topUp(100);
    const at100 = await sample();
    await topUp(10_000);
    const at10k = await sample();
    result.figures.set('list', at10k / at100);
    result.figures.set('list-p50', at10k);
    result.cells.set('list', `${(at10k / at100).toFixed(2)} (${at10k.toFixed(1)} / ${at100.toFixed(1)} ms)`);
  } finally {
    await db.end();
  }
}

async function runColumn(kc: Awaited<ReturnType<typeof startKeycloak>>, spec: ColumnSpec, hello: { url: string; pid: number }): Promise<ColumnResult> {
  const result: ColumnResult = { label: spec.label, cells: new Map(), figures: new Map(), profiles: [] };
  log(`${spec.label}: starting the bridge (${entry})`);
  const column = await startColumn(kc, spec, { profile: profiling, entry, nodeArgs, log });
  let profiler: InspectorProfiler | undefined;
  try {
    if (column.inspectPort) profiler = await connectProfiler(column.inspectPort);
    const pid = column.bridge.child.pid!;
    const idle = (await readRssBytes(pid)) ?? 0;
    const sampler = sampleRss(pid);
    // A group that fails says so in its row; the others still run and the table still prints.
    const run = async (group: string, rowKey: string, body: () => Promise<void>) => {
      if (!groups.has(group)) return;
      try {
        await body();
      } catch (error) {
        log(`${spec.label}: ${group} failed: ${error instanceof Error ? error.stack : String(error)}`);
        result.cells.set(rowKey, `failed: ${error instanceof Error ? error.message : String(error)}`.slice(0, 60));
      }
    };
    await run('reads', 'sa-by-id', () => runReads(column, result, hello, profiler, 'all'));
    if (!groups.has('reads')) await run('keys', 'key-vs-jwt', () => runReads(column, result, hello, profiler, 'keys'));
    if (!groups.has('reads')) await run('by-id', 'by-id-vs-hello', () => runReads(column, result, hello, profiler, 'by-id'));
    await run('exchange', 'exchange', () => runExchange(column, result, profiler));
    const memory = await sampler.stop();
    result.figures.set('rss-peak', memory.peak);
    result.cells.set('rss', `${(idle / MB).toFixed(0)} / ${(memory.peak / MB).toFixed(0)} / ${(memory.last / MB).toFixed(0)} MB`);
    await run('create', 'create', () => runCreates(column, result));
    await run('burst', 'burst', () => runBurst(column, result));
    await run('list', 'list', () => runList(column, result));
  } finally {
    profiler?.close();
    await column.stop();
  }
  return result;
}

function printTable(results: ColumnResult[]) {
  const header = ['measurement', ...results.map((r) => r.label), 'target'];
  const rows = rowOrder.filter((row) => results.some((r) => r.cells.has(row.key))).map((row) => [row.label, ...results.map((r) => r.cells.get(row.key) ?? '-'), row.target]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of rows) console.log(line(row));
}

function printTargets(results: ColumnResult[]) {
  const checks: Array<{ name: string; met(f: Figures): boolean | undefined }> = [
    { name: 'GET SA by id >= 50 % of bare Express (median of adjacent pairs)', met: (f) => (f.has('by-id-vs-hello') ? f.get('by-id-vs-hello')! >= 0.5 : undefined) },
    { name: 'API key GET no slower than JWT GET (>= 0.95, run-to-run noise)', met: (f) => (f.has('key-vs-jwt') ? f.get('key-vs-jwt')! >= 0.95 : undefined) },
    { name: 'bridge RSS peak <= 200 MB', met: (f) => (f.has('rss-peak') && (f.has('me-user') || f.has('exchange')) ? f.get('rss-peak')! <= 200 * MB : undefined) },
    { name: 'exchange throughput >= 0.9 of direct', met: (f) => (f.has('exchange') ? f.get('exchange')! >= 0.9 : undefined) },
    { name: 'exchange p50 overhead < 5 ms', met: (f) => (f.has('exchange-p50') ? f.get('exchange-p50')! < 5 : undefined) },
    { name: 'create p50 <= 1.15 of direct', met: (f) => (f.has('create') ? f.get('create')! <= 1.15 : undefined) },
    { name: 'burst >= 0.8 of direct, no errors, orphans or dangling rows', met: (f) => (f.has('burst') ? f.get('burst')! >= 0.8 && f.get('burst-faults') === 0 : undefined) },
    { name: 'list 10,000 / 100 <= 1.5 and p50 <= 15 ms', met: (f) => (f.has('list') ? f.get('list')! <= 1.5 && f.get('list-p50')! <= 15 : undefined) },
  ];
  console.log('\ntargets:');
  for (const check of checks) {
    const verdicts = results.map((r) => ({ label: r.label, met: check.met(r.figures) })).filter((v) => v.met !== undefined);
    if (verdicts.length === 0) continue;
    console.log(`  ${verdicts.every((v) => v.met) ? 'met   ' : 'MISSED'}  ${check.name}${verdicts.length > 1 ? `  (${verdicts.map((v) => `${v.label}: ${v.met ? 'met' : 'missed'}`).join(', ')})` : ''}`);
  }
}

async function main() {
  const kc = await startKeycloak(log);
  const hello = await startHello();
  const results: ColumnResult[] = [];
  try {
    const specs: ColumnSpec[] = [{ label: 'embedded PostgreSQL' }];
    if (env.DATABASE_URL) specs.push({ label: 'PostgreSQL (DATABASE_URL)', serverUrl: env.DATABASE_URL });
    for (const spec of specs) results.push(await runColumn(kc, spec, hello));
  } finally {
    await hello.stop();
    await kc.stop();
  }
  console.log(`\nsa-bridge benchmark: ${connections} connections, ${seconds} s per load after ${warmupSeconds} s warm-up; Node ${process.version}; ${entry === 'dist' ? 'compiled dist/' : 'sources via tsx'}${nodeArgs.length ? `; node ${nodeArgs.join(' ')}` : ''}; Keycloak ${kc.url}\n`);
  printTable(results);
  printTargets(results);
  for (const result of results) for (const profile of result.profiles) console.log(`\n${profile}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
