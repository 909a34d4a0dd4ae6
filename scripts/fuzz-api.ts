// `npm run test:fuzz`: schemathesis (property-based, from /openapi.json; nobody here wrote it)
// against the real bridge (`src/main.ts` as its own process) on a real Keycloak and PostgreSQL.
// One run per role (tenant-admin, devops, viewer, cpi-admin acting with ?tenant=), every phase
// including stateful link-following, with the checks below; the summary gives the cases run per
// check. Exit 0 only when schemathesis found nothing. Everything it starts or creates is removed.
//
// Environment: KEYCLOAK_URL (+ TEST_KEYCLOAK_ADMIN_CLIENT_ID/SECRET) to use an existing Keycloak,
// TEST_DATABASE_URL for an existing PostgreSQL server; FUZZ_ROLES (e.g. `devops,viewer`; default
// all four); FUZZ_MAX_EXAMPLES (default 40 per
// operation and phase), FUZZ_MAX_SECONDS (default 120 per role), FUZZ_VENV (default
// ~/.cache/sa-bridge/schemathesis-venv), FUZZ_REPORT_DIR (default .data/fuzz).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { repoRoot } from '../src/config.ts';
import {
  createBridgeAdmin,
  createRealm,
  deleteRealm,
  DEMO_PASSWORD,
  startBridgeProcess,
  startDatabaseServer,
  startKeycloak,
  type BridgeProcess,
  type HarnessDatabaseServer,
  type HarnessKeycloak,
  type HarnessRealm,
} from '../test/harness/environment.ts';

const SCHEMATHESIS_VERSION = '4.32.5';
const CHECKS = [
  'not_a_server_error',
  'status_code_conformance',
  'content_type_conformance',
  'response_schema_conformance',
  'use_after_free',
  'ensure_resource_availability',
  'ignored_auth',
];
const env = process.env;
const venv = env.FUZZ_VENV ?? path.join(os.homedir(), '.cache', 'sa-bridge', 'schemathesis-venv');
const reportDir = path.resolve(env.FUZZ_REPORT_DIR ?? path.join(repoRoot, '.data', 'fuzz'));
const maxExamples = env.FUZZ_MAX_EXAMPLES ?? '40';
const maxSeconds = env.FUZZ_MAX_SECONDS ?? '120';
const log = (msg: string) => console.log(`[fuzz] ${msg}`);

function ensureSchemathesis(): string {
  const st = path.join(venv, 'bin', 'st');
  const version = existsSync(st) ? spawnSync(st, ['--version'], { encoding: 'utf8' }).stdout : '';
  if (version.includes(SCHEMATHESIS_VERSION)) return st;
  log(`installing schemathesis ${SCHEMATHESIS_VERSION} into ${venv}`);
  const steps: string[][] = [
    ['python3', '-m', 'venv', venv],
    [path.join(venv, 'bin', 'pip'), 'install', '--quiet', '--disable-pip-version-check', `schemathesis==${SCHEMATHESIS_VERSION}`],
  ];
  for (const [command, ...args] of steps) {
    const result = spawnSync(command!, args, { stdio: 'inherit' });
    if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed`);
  }
  return st;
}

interface RoleRun {
  role: string;
  username: string;
  tokenRealm: string;
  tenant?: string;
}

interface CheckCount {
  total: number;
  failed: number;
}

/** Runs one schemathesis pass; resolves with its exit code. */
function runSchemathesis(st: string, bridge: BridgeProcess, kc: HarnessKeycloak, run: RoleRun): Promise<number> {
  const args = [
    'run',
    `${bridge.baseUrl}/openapi.json`,
    '--url',
    bridge.baseUrl,
    '--checks',
    CHECKS.join(','),
    '--phases',
    'examples,coverage,fuzzing,stateful',
    '--max-examples',
    maxExamples,
    '--max-time',
    maxSeconds,
    '--request-timeout',
    '20',
    '--report',
    'ndjson',
    '--report-ndjson-path',
    path.join(reportDir, `${run.role}.ndjson`),
    '--seed',
    env.FUZZ_SEED ?? String(Date.now() % 1_000_000),
    '--no-color',
    // The docs page and the Prometheus text are not JSON APIs; the rest is fuzzed.
    '--exclude-operation-id',
    'getDocs',
  ];
  return new Promise((resolve) => {
    const child = spawn(st, args, {
      stdio: 'inherit',
      env: {
        ...env,
        PYTHONPATH: path.join(repoRoot, 'test', 'fuzz'),
        SCHEMATHESIS_HOOKS: 'schemathesis_hooks',
        FUZZ_KEYCLOAK_URL: kc.url,
        FUZZ_TOKEN_REALM: run.tokenRealm,
        FUZZ_USERNAME: run.username,
        FUZZ_PASSWORD: DEMO_PASSWORD,
        ...(run.tenant && { FUZZ_TENANT: run.tenant }),
      },
    });
    child.once('exit', (code) => resolve(code ?? 1));
  });
}

/** Cases run and failed per check, read from schemathesis' NDJSON event stream. */
async function countChecks(file: string): Promise<{ cases: number; checks: Map<string, CheckCount> }> {
  const checks = new Map<string, CheckCount>();
  let cases = 0;
  const text = await readFile(file, 'utf8').catch(() => '');
  for (const line of text.split('\n')) {
    if (!line.includes('"ScenarioFinished"')) continue;
    const event = JSON.parse(line) as { ScenarioFinished?: { recorder?: { cases?: Record<string, unknown>; checks?: Record<string, Array<{ name: string; status: string }>> } } };
    const recorder = event.ScenarioFinished?.recorder;
    cases += Object.keys(recorder?.cases ?? {}).length;
    for (const results of Object.values(recorder?.checks ?? {})) {
      for (const result of results) {
        const count = checks.get(result.name) ?? { total: 0, failed: 0 };
        if (result.status === 'skip') continue;
        count.total += 1;
        if (result.status !== 'success') count.failed += 1;
        checks.set(result.name, count);
      }
    }
  }
  return { cases, checks };
}

/** Realms the cpi-admin run created through POST /v1/tenants (the bridge's database names them). */
async function removeCreatedRealms(kc: HarnessKeycloak, databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  let realms: string[];
  try {
    realms = (await client.query<{ realm: string }>("SELECT realm FROM tenants WHERE origin = 'created'")).rows.map((r) => r.realm);
  } finally {
    await client.end();
  }
  for (const realm of realms) await deleteRealm(kc, realm);
  if (realms.length > 0) log(`removed ${realms.length} realms the fuzzer created`);
}

async function main(): Promise<number> {
  const st = ensureSchemathesis();
  await rm(reportDir, { recursive: true, force: true });
  await mkdir(reportDir, { recursive: true });
  let kc: HarnessKeycloak | undefined;
  let databases: HarnessDatabaseServer | undefined;
  let realm: HarnessRealm | undefined;
  let database: { url: string; drop(): Promise<void> } | undefined;
  let bridge: BridgeProcess | undefined;
  let admin: Awaited<ReturnType<typeof createBridgeAdmin>> | undefined;
  try {
    kc = await startKeycloak(log);
    databases = await startDatabaseServer(log);
    realm = await createRealm(kc, 'fuzz');
    database = await databases.createDatabase();
    admin = await createBridgeAdmin(kc, [realm.realm]);
    bridge = await startBridgeProcess({
      KEYCLOAK_URL: kc.url,
      KEYCLOAK_ADMIN_CLIENT_ID: admin.clientId,
      KEYCLOAK_ADMIN_CLIENT_SECRET: admin.clientSecret,
      DATABASE_URL: database.url,
      // Generated audiences and scopes become real Keycloak clients and scopes; keep runs quick.
      KEYCLOAK_TIMEOUT_MS: '15000',
      WEBHOOK_TIMEOUT_MS: '2000',
      // Generated webhook URLs name hosts that do not resolve here; allowing them lets the fuzzer
      // register endpoints and follow links to the webhook operations. The destination rules
      // have their own tests (test/integration/webhooks.test.ts).
      WEBHOOK_ALLOW_INSECURE_URLS: 'true',
      // Thousands of generated changes from a few callers would otherwise be answered 429 after
      // the first few hundred: the fuzzer checks the contract; load shedding has its own test.
      MUTATION_RATE_LIMIT_PER_MINUTE: '1000000',
    });
    log(`bridge ${bridge.baseUrl} on Keycloak ${kc.url}, tenant ${realm.realm}`);

    const runs: RoleRun[] = [
      { role: 'tenant-admin', username: 'alice', tokenRealm: realm.realm },
      { role: 'devops', username: 'dave', tokenRealm: realm.realm },
      { role: 'viewer', username: 'vic', tokenRealm: realm.realm },
      { role: 'cpi-admin', username: 'root', tokenRealm: 'platform', tenant: realm.realm },
    ];
    const only = env.FUZZ_ROLES?.split(',').map((r) => r.trim());
    let failedRuns = 0;
    for (const run of runs.filter((r) => !only || only.includes(r.role))) {
      log(`schemathesis as ${run.role} (${run.username})`);
      const code = await runSchemathesis(st, bridge, kc, run);
      if (code !== 0) failedRuns += 1;
    }

    let cases = 0;
    const totals = new Map<string, CheckCount>();
    for (const file of (await readdir(reportDir)).filter((f) => f.endsWith('.ndjson'))) {
      const counted = await countChecks(path.join(reportDir, file));
      cases += counted.cases;
      for (const [name, count] of counted.checks) {
        const total = totals.get(name) ?? { total: 0, failed: 0 };
        totals.set(name, { total: total.total + count.total, failed: total.failed + count.failed });
      }
    }
    log(`${cases} generated cases across ${runs.length} roles`);
    for (const [name, count] of [...totals].sort()) log(`  ${name}: ${count.total} checked, ${count.failed} failed`);
    log(failedRuns === 0 ? 'schemathesis found no failures' : `schemathesis failed in ${failedRuns} of ${runs.length} runs (reports in ${reportDir})`);
    return failedRuns === 0 ? 0 : 1;
  } finally {
    const code = await bridge?.stop();
    if (bridge && code !== 0) log(`the bridge exited with ${code}:\n${bridge.output.join('').slice(-2000)}`);
    if (database && kc) await removeCreatedRealms(kc, database.url).catch((error: unknown) => log(`removing created realms failed: ${String(error)}`));
    await database?.drop().catch((error: unknown) => log(`dropping the database failed: ${String(error)}`));
    await realm?.remove();
    await admin?.remove().catch((error: unknown) => log(`removing the admin client failed: ${String(error)}`));
    await databases?.stop();
    await kc?.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
