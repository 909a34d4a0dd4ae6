// The fault matrix (issue 17): every Keycloak admin step of create, update, regenerate secret
// (without and with a grace period), delete and a tenant policy change meets each kind of fault:
//   refuse  Keycloak answers HTTP 500 or 503 (alternating by step);
//   hang    the request is held past the bridge's Keycloak timeout and reaches Keycloak only
//           after the bridge has answered (it takes effect late);
//   drop    the request reaches Keycloak, which answers; the connection is then cut unanswered;
//   db      every PostgreSQL connection of the app is cut (and new ones refused) while the step is
//           in flight, until the bridge has answered.
// Every answer must be a 503 problem+json with Retry-After, or a correct result, verified in
// Keycloak and at its token endpoint. Then the reconciler runs, after which no client of this
// deployment lacks a live row, no row is stuck or lacks its client, and no SA's client (enabled
// flag, role, lifetime, mappers, scopes, current and previous secret) differs from its row. The
// steps are found by running each operation once without faults, so a step added to the code is
// covered without editing this file. The matrix is printed, to be quoted.
import { randomUUID } from 'node:crypto';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { systemAuditContext } from '../../src/audit/audit-service.ts';
import { keycloakRoleName, roles, type Role } from '../../src/auth/roles.ts';
import { SecretFingerprints } from '../../src/lib/secret-fingerprint.ts';
import { effectiveTokenTtl } from '../../src/service-accounts/token-shape-policy.ts';
import { apiClient, type ApiClient, type ApiResponse } from '../support/api.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { startFaultProxy, type FaultProxy, type FaultRule } from '../support/fault-proxy.ts';
import { clientCredentialsGrant, createTestRealm, passwordGrant, testKeycloak, tokenRequest, type TestRealm } from '../support/keycloak.ts';
import { expectNoSecretLeaked } from '../support/leaks.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';

// Short, so that the hanging steps cost little. An unfaulted call that outlasts it on a busy
// machine is retried (withoutFault, runCell), as a client would.
const KEYCLOAK_TIMEOUT_MS = 1000;
const GRACE_SECONDS = 3600;
const faultKinds = ['refuse', 'hang', 'drop', 'db'] as const;
type FaultKind = (typeof faultKinds)[number];

let app: TestApp;
let proxy: FaultProxy;
let database: TcpProxy;
// Three realms, so that their cells can run side by side: each fault matches its own realm's requests.
let saRealm: TestRealm;
let updateRealm: TestRealm;
let policyRealm: TestRealm;
let alice: ApiClient;
let updateAlice: ApiClient;
let root: ApiClient;
const secrets: string[] = [];

beforeAll(async () => {
  [saRealm, updateRealm, policyRealm] = await Promise.all([createTestRealm('fm'), createTestRealm('fmu'), createTestRealm('fmp')]);
  proxy = await startFaultProxy(testKeycloak().url);
  // The run's PostgreSQL server (global-setup.ts): the app reaches it through a proxy the test can cut.
  const direct = new URL(inject('database').url);
  database = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
  app = await startTestApp({
    realms: [saRealm.realm, updateRealm.realm, policyRealm.realm],
    keycloakUrl: proxy.url,
    databaseVia: (url) => {
      const via = new URL(url);
      via.hostname = database.host;
      via.port = String(database.port);
      return via.toString();
    },
    env: { KEYCLOAK_TIMEOUT_MS: String(KEYCLOAK_TIMEOUT_MS), RECONCILE_STALE_AFTER_MS: '0' },
  });
  alice = apiClient(app.baseUrl, (await passwordGrant(saRealm.realm, 'alice')).access_token);
  updateAlice = apiClient(app.baseUrl, (await passwordGrant(updateRealm.realm, 'alice')).access_token);
  root = apiClient(app.baseUrl, (await passwordGrant('platform', 'root')).access_token);
  for (const realm of [saRealm.realm, updateRealm.realm]) {
    const policy = await root.patch(`/v1/tenants/${realm}/policy`, { allowed_scopes: ['fm.read', 'fm.write'], allowed_audiences: ['fm-api'] });
    expect(policy.status).toBe(200);
  }
}, 120_000);

afterAll(async () => {
  if (app && secrets.length > 0) await expectNoSecretLeaked(app, secrets);
  await app?.close();
  await proxy?.close();
  await database?.close();
  await Promise.all([saRealm?.remove(), updateRealm?.remove(), policyRealm?.remove()]);
});

// ---------------------------------------------------------------------------------------------
// Keycloak as it really is (the bootstrap admin, not the bridge's client, and not through the proxy).

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

let adminToken: { value: string; until: number } | undefined;
async function kc<T = Json>(path: string, init: RequestInit = {}): Promise<{ status: number; body: T }> {
  const kcConfig = testKeycloak();
  if (!adminToken || adminToken.until < Date.now()) {
    const grant = await clientCredentialsGrant(kcConfig.url, 'master', kcConfig.bootstrapAdmin.clientId, kcConfig.bootstrapAdmin.clientSecret);
    adminToken = { value: grant.access_token, until: Date.now() + 20_000 };
  }
  const response = await fetch(`${kcConfig.url}/admin/realms${path}`, { ...init, headers: { authorization: `Bearer ${adminToken.value}`, 'content-type': 'application/json' } });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
}

async function tokenFor(realm: string, clientId: string, secret: string): Promise<{ status: number; claims?: Record<string, unknown> }> {
  const response = await tokenRequest(testKeycloak().url, realm, { grant_type: 'client_credentials', client_id: clientId, client_secret: secret });
  if (response.status !== 200) {
    await response.body?.cancel();
    return { status: response.status };
  }
  return { status: 200, claims: decodeJwt(((await response.json()) as { access_token: string }).access_token) };
}

// ---------------------------------------------------------------------------------------------
// Steps: an admin request of one realm, named by method and path with ids and client ids elided.

interface Step {
  pattern: string;
  /** Which occurrence of the pattern within one run of the operation (1-based). */
  occurrence: number;
  label: string;
}

function patternOf(realm: string, method: string, url: string): string | undefined {
  const prefix = `/admin/realms/${encodeURIComponent(realm)}`;
  if (!url.startsWith(`${prefix}/`) && !url.startsWith(`${prefix}?`)) return undefined;
  const rest = url
    .slice(prefix.length)
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '{id}')
    .replace(/([?&]clientId=)[^&]*/g, '$1…');
  return `${method} ${rest}`;
}

function stepsOf(realm: string, seen: string[]): Step[] {
  const counts = new Map<string, number>();
  const steps: Step[] = [];
  for (const request of seen) {
    const [method, url] = request.split(' ') as [string, string];
    const pattern = patternOf(realm, method, url);
    if (!pattern) continue;
    const occurrence = (counts.get(pattern) ?? 0) + 1;
    counts.set(pattern, occurrence);
    steps.push({ pattern, occurrence, label: occurrence > 1 ? `${pattern} #${occurrence}` : pattern });
  }
  return steps;
}

/** Matches the step's occurrence among the admin requests made from now on. */
function matcherFor(realm: string, step: Step): FaultRule['match'] {
  let count = 0;
  return (method, url) => {
    if (patternOf(realm, method, url) !== step.pattern) return false;
    count += 1;
    return count === step.occurrence;
  };
}

function ruleFor(kind: FaultKind, match: FaultRule['match'], index: number): FaultRule {
  switch (kind) {
    case 'refuse':
      return { match, mode: 'unavailable', status: index % 2 === 0 ? 500 : 503, times: 1 };
    case 'hang':
      return { match, mode: 'hold', times: 1 };
    case 'drop':
      return { match, mode: 'lose-answer', times: 1 };
    case 'db':
      return { match, mode: 'pass', beforeForward: () => database.cut(), times: 1 };
  }
}

// ---------------------------------------------------------------------------------------------
// What the test knows about each SA it was handed: the secrets it holds.

interface Known {
  realm: string;
  id: string;
  clientId: string;
  secret: string;
  /** The previous secret, while a grace period runs. */
  previous?: string;
  /** Where it was last touched, for messages. */
  cell: string;
  /** Its last operation was a rotation answered with 503: the row may describe a secret nobody received. */
  rotationFailed?: boolean;
}
const known = new Map<string, Known>();

function remember(response: ApiResponse, realm: string, cell: string): Known {
  secrets.push(response.body.client_secret);
  const entry = { realm, id: response.body.id, clientId: response.body.client_id, secret: response.body.client_secret, cell };
  known.set(entry.id, entry);
  return entry;
}

const shape = { access_token_ttl: 900, scopes: ['fm.read'], claims: { team: 'a' }, audience: [] as string[] };

/**
 * A request made without a fault, retried on a 503 as a client would: on a busy machine an admin
 * call may outlast the short Keycloak timeout of this file.
 */
async function withoutFault(request: () => Promise<ApiResponse>): Promise<ApiResponse> {
  let response = await request();
  for (let attempt = 1; attempt < 3 && response.status === 503; attempt += 1) response = await request();
  return response;
}

async function createSa(client: ApiClient, realm: string, name: string, body: Record<string, unknown>, cell: string): Promise<Known> {
  const created = await withoutFault(() => client.post('/v1/service-accounts', { name, ...body }));
  expect(created.status, `${cell}: creating ${name} without a fault`).toBe(201);
  return remember(created, realm, cell);
}

// ---------------------------------------------------------------------------------------------
// The operations: each prepares its subject without faults, then makes the one request that meets
// the fault, and checks a success in Keycloak and at the token endpoint (throwing when wrong).

interface Operation {
  name: string;
  realm: () => string;
  prepare(cell: string): Promise<Known | undefined>;
  run(subject: Known | undefined, cell: string): Promise<ApiResponse>;
  verify(subject: Known | undefined, response: ApiResponse, cell: string): Promise<void>;
  /** What must hold after a 503 (throws when it does not). */
  verifyRefusal?(subject: Known | undefined, kind: FaultKind): Promise<void>;
}

let serial = 0;
const nameFor = (prefix: string) => `${prefix}-${(serial += 1)}`;

const createOperation: Operation = {
  name: 'create',
  realm: () => saRealm.realm,
  prepare: async () => undefined,
  run: (_subject, cell) =>
    alice.post('/v1/service-accounts', { name: nameFor('c'), description: cell, ...shape, audience: ['fm-api'] }, { 'Idempotency-Key': `"${randomUUID()}"` }),
  async verify(_subject, response, cell) {
    expect(response.status).toBe(201);
    const sa = remember(response, saRealm.realm, cell);
    expect(response.body).toMatchObject({ access_token_ttl: 900, scopes: ['fm.read'], claims: { team: 'a' }, audience: ['fm-api'], status: 'active' });
    const token = await tokenFor(saRealm.realm, sa.clientId, sa.secret);
    expect(token.status).toBe(200);
    expect(token.claims).toMatchObject({ team: 'a', aud: expect.arrayContaining(['fm-api']) });
    expect(Number(token.claims!.exp) - Number(token.claims!.iat)).toBe(900);
  },
};

const updateOperation: Operation = {
  name: 'update',
  realm: () => updateRealm.realm,
  prepare: (cell) => createSa(updateAlice, updateRealm.realm, nameFor('u'), shape, cell),
  run: (sa) =>
    updateAlice.patch(`/v1/service-accounts/${sa!.id}`, { description: 'changed', enabled: false, access_token_ttl: 1200, scopes: ['fm.write'], claims: { team: 'b' }, audience: ['fm-api'] }),
  async verify(sa, response) {
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ status: 'disabled', description: 'changed', access_token_ttl: 1200, scopes: ['fm.write'], claims: { team: 'b' }, audience: ['fm-api'] });
    expect((await tokenFor(updateRealm.realm, sa!.clientId, sa!.secret)).status).not.toBe(200);
  },
};

function regenerateOperation(grace: number): Operation {
  return {
    name: grace > 0 ? 'regenerate (grace)' : 'regenerate',
    realm: () => saRealm.realm,
    prepare: (cell) => createSa(alice, saRealm.realm, nameFor(grace > 0 ? 'g' : 'r'), {}, cell),
    run: (sa) => alice.post(`/v1/service-accounts/${sa!.id}/regenerate-secret`, grace > 0 ? { grace_period: grace } : {}),
    async verifyRefusal(sa) {
      sa!.rotationFailed = true;
    },
    async verify(sa, response, cell) {
      expect(response.status).toBe(200);
      const old = sa!.secret;
      secrets.push(response.body.client_secret);
      expect(response.body.client_secret).not.toBe(old);
      Object.assign(sa!, { secret: response.body.client_secret, cell });
      expect((await tokenFor(saRealm.realm, sa!.clientId, sa!.secret)).status).toBe(200);
      if (grace > 0) {
        const until = Date.parse(response.body.previous_secret_expires_at);
        expect(Math.abs(until - (Date.now() + grace * 1000))).toBeLessThan(60_000);
        sa!.previous = old;
        expect((await tokenFor(saRealm.realm, sa!.clientId, old)).status).toBe(200);
      } else {
        expect(response.body.previous_secret_expires_at).toBeNull();
        delete sa!.previous;
        expect((await tokenFor(saRealm.realm, sa!.clientId, old)).status).not.toBe(200);
      }
    },
  };
}

const deleteOperation: Operation = {
  name: 'delete',
  realm: () => saRealm.realm,
  prepare: (cell) => createSa(alice, saRealm.realm, nameFor('d'), {}, cell),
  run: (sa) => alice.delete(`/v1/service-accounts/${sa!.id}`),
  async verify(sa, response) {
    expect(response.status).toBe(204);
    known.delete(sa!.id);
    expect((await tokenFor(saRealm.realm, sa!.clientId, sa!.secret)).status).not.toBe(200);
    expect((await kc<unknown[]>(`/${sa!.realm}/clients?clientId=${sa!.clientId}`)).body).toEqual([]);
    expect((await app.deps.db.prisma.serviceAccount.findUniqueOrThrow({ where: { id: sa!.id } })).status).toBe('deleted');
  },
};

// A tenant maximum of 3600 s lets the two SAs of the policy realm keep the 900 s and 1200 s they
// asked for; 600 s clamps both, so the change re-clamps two clients.
const relaxedPolicy = { max_access_token_ttl: 3600 };
const strictPolicy = { max_access_token_ttl: 600 };
let policySubjects: Known[] = [];
let policyAuditsBefore = 0;
const policyAudits = () => app.deps.db.prisma.auditEvent.count({ where: { action: 'tenant.policy_updated', outcome: 'success', targetId: policyRealm.realm } });

const policyOperation: Operation = {
  name: 'policy change',
  realm: () => policyRealm.realm,
  async prepare() {
    // The relaxed policy back, with both SAs at the lifetimes they asked for: written straight to
    // the repository and re-clamped through the use case (the realm's Keycloak setup does not
    // depend on a lifetime), which is half the cost of a PATCH through the API.
    const relaxed = await app.deps.tenantRepository.updatePolicy(policyRealm.realm, { maxAccessTokenTtl: relaxedPolicy.max_access_token_ttl });
    for (let attempt = 1; ; attempt += 1) {
      try {
        await app.deps.serviceAccounts.reclampTokenLifetimes(policyRealm.realm, relaxed, systemAuditContext(policyRealm.realm, 'fault-matrix'));
        break;
      } catch (error) {
        if (attempt === 3) throw error;
      }
    }
    policyAuditsBefore = await policyAudits();
    return undefined;
  },
  run: () => root.patch(`/v1/tenants/${policyRealm.realm}/policy`, strictPolicy),
  async verifyRefusal(_subject, kind) {
    // A change that stayed in force is audited, unless the database itself was gone.
    const policy = await app.deps.tenantRepository.findPolicy(policyRealm.realm);
    if (kind !== 'db' && policy!.maxAccessTokenTtl === 600) expect(await policyAudits(), 'a policy change in force is audited').toBe(policyAuditsBefore + 1);
  },
  async verify(_subject, response) {
    expect(response.status).toBe(200);
    expect(response.body.max_access_token_ttl).toBe(600);
    for (const sa of policySubjects) {
      const row = await app.deps.db.prisma.serviceAccount.findUniqueOrThrow({ where: { id: sa.id } });
      expect(row.accessTokenTtl).toBe(600);
      const [client] = (await kc<Json[]>(`/${policyRealm.realm}/clients?clientId=${sa.clientId}`)).body;
      expect(client.attributes['access.token.lifespan']).toBe('600');
    }
  },
};

const operations = [createOperation, updateOperation, regenerateOperation(0), regenerateOperation(GRACE_SECONDS), deleteOperation, policyOperation];

// ---------------------------------------------------------------------------------------------
// The run.

type Outcome = string;
const matrix = new Map<string, Map<string, Map<FaultKind, Outcome[]>>>();
const wrong: string[] = [];
let injected = 0;

function record(op: string, step: string, kind: FaultKind, outcome: Outcome) {
  const steps = matrix.get(op) ?? new Map<string, Map<FaultKind, Outcome[]>>();
  matrix.set(op, steps);
  const kinds = steps.get(step) ?? new Map<FaultKind, Outcome[]>();
  steps.set(step, kinds);
  kinds.set(kind, [...(kinds.get(kind) ?? []), outcome]);
}

function problemOutcome(response: ApiResponse): Outcome | undefined {
  const isProblem =
    response.status === 503 &&
    /^application\/problem\+json/.test(response.headers.get('content-type') ?? '') &&
    /^\d+$/.test(response.headers.get('retry-after') ?? '') &&
    ['keycloak_unavailable', 'database_unavailable'].includes(response.body?.code) &&
    !JSON.stringify(response.body).includes('injected failure');
  if (!isProblem) return undefined;
  return response.body.code === 'keycloak_unavailable' ? '503 kc' : '503 db';
}

const secondsSpent = new Map<string, number>();

async function runCell(op: Operation, step: Step, kind: FaultKind, index: number): Promise<void> {
  const started = Date.now();
  try {
    // A cell whose operation failed before reaching the step (an admin call before it outlasted the
    // timeout on a busy machine) is run again.
    for (let attempt = 1; !(await runCellOnce(op, step, kind, index, attempt === 3)); attempt += 1);
  } finally {
    for (const key of [op.name, kind]) secondsSpent.set(key, (secondsSpent.get(key) ?? 0) + (Date.now() - started) / 1000);
  }
}

/** False when the step was not reached and the cell should run again. */
async function runCellOnce(op: Operation, step: Step, kind: FaultKind, index: number, lastAttempt: boolean): Promise<boolean> {
  const cell = `${op.name} | ${step.label} | ${kind}`;
  const subject = await op.prepare(cell);
  const rule = proxy.add(ruleFor(kind, matcherFor(op.realm(), step), index));
  let response: ApiResponse;
  try {
    response = await op.run(subject, cell);
  } finally {
    rule.remove();
    if (kind === 'db') database.restore();
    await rule.releaseHeld();
  }
  if (rule.hits !== 1) {
    if (response.status === 503 && !lastAttempt) return false;
    wrong.push(`${cell}: the step was not reached (${response.status}; the operation no longer makes it, or makes it in another order)`);
    record(op.name, step.label, kind, 'not reached');
    return true;
  }
  injected += 1;
  const problem = problemOutcome(response);
  if (problem) {
    try {
      await op.verifyRefusal?.(subject, kind);
      record(op.name, step.label, kind, problem);
    } catch (error) {
      record(op.name, step.label, kind, `WRONG ${problem}`);
      wrong.push(`${cell}: ${problem}: ${(error as Error).message.split('\n')[0]}`);
    }
    return true;
  }
  try {
    await op.verify(subject, response, cell);
    record(op.name, step.label, kind, String(response.status));
  } catch (error) {
    record(op.name, step.label, kind, `WRONG ${response.status}`);
    wrong.push(`${cell}: ${response.status} ${JSON.stringify(response.body)?.slice(0, 300)}: ${(error as Error).message.split('\n')[0]}`);
  }
  return true;
}

async function discoverSteps(op: Operation): Promise<Step[]> {
  for (let attempt = 1; ; attempt += 1) {
    const subject = await op.prepare(`${op.name} | discovery`);
    const from = proxy.seen.length;
    const response = await op.run(subject, `${op.name} | discovery`);
    if (response.status === 503 && attempt < 3) continue;
    await op.verify(subject, response, `${op.name} | discovery`);
    return stepsOf(op.realm(), proxy.seen.slice(from));
  }
}

it('when every Keycloak step of every operation meets every fault, then each answer is a 503 or right, and after one reconciler pass nothing is orphaned, dangling or drifted', { timeout: 300_000 }, async () => {
  const started = Date.now();
  // Warm-up: the bridge remembers realm role ids after the first create of each realm.
  await createSa(alice, saRealm.realm, 'warm-up', {}, 'warm-up');
  await createSa(updateAlice, updateRealm.realm, 'warm-up', {}, 'warm-up');
  const policyAlice = apiClient(app.baseUrl, (await passwordGrant(policyRealm.realm, 'alice')).access_token);
  policySubjects = [
    await createSa(policyAlice, policyRealm.realm, 'clamped-a', { access_token_ttl: 900 }, 'policy subjects'),
    await createSa(policyAlice, policyRealm.realm, 'clamped-b', { access_token_ttl: 1200 }, 'policy subjects'),
  ];

  const plan: Array<{ op: Operation; steps: Step[] }> = [];
  for (const op of operations) plan.push({ op, steps: await discoverSteps(op) });
  const perPass = plan.reduce((sum, { steps }) => sum + steps.length * faultKinds.length, 0);
  const passes = Math.ceil(100 / perPass);
  const cellsOf = (group: typeof plan, kinds: readonly FaultKind[], pass: number) =>
    group.flatMap(({ op, steps }) => steps.flatMap((step, index) => kinds.map((kind) => () => runCell(op, step, kind, index + pass))));
  for (let pass = 0; pass < passes; pass += 1) {
    // The realms' cells run side by side (each fault matches its own realm's requests); the
    // database cut affects every request, so those cells run one at a time afterwards.
    const byRealm = [saRealm.realm, updateRealm.realm, policyRealm.realm].map((realm) => plan.filter(({ op }) => op.realm() === realm));
    await Promise.all(
      byRealm.map(async (group) => {
        for (const cell of cellsOf(group, faultKinds.filter((kind) => kind !== 'db'), pass)) await cell();
      }),
    );
    for (const cell of cellsOf(plan, ['db'], pass)) await cell();
  }
  const faultsDone = Date.now();

  // The reconciler runs periodically; a pass that could not repair everything (an admin call
  // outlasting this file's short timeout) is followed by another, up to three.
  const reports = [await app.deps.reconciler.runOnce()];
  while (reports.at(-1)!.failures > 0 && reports.length < 3) reports.push(await app.deps.reconciler.runOnce());
  const report = reports.at(-1)!;
  const repaired = (key: 'rolledBack' | 'deletionsCompleted' | 'orphanClientsRemoved' | 'driftRepaired' | 'clientsMissing') => reports.reduce((sum, r) => sum + r[key].length, 0);
  if (report.failures > 0) console.log(app.logs.filter((line) => line.includes('reconciler could not')).join('\n'));
  const problems = await findInconsistencies();
  const checked = Date.now();

  console.log(renderMatrix(plan, passes));
  console.log(
    [
      `faults injected: ${injected} (${passes} pass${passes > 1 ? 'es' : ''} over ${perPass} step x fault cells), in ${((faultsDone - started) / 1000).toFixed(1)} s (${[...secondsSpent].map(([key, seconds]) => `${key} ${seconds.toFixed(1)}`).join(', ')})`,
      `reconciler (${reports.length} pass${reports.length > 1 ? 'es' : ''}): rolled back ${repaired('rolledBack')}, deletions completed ${repaired('deletionsCompleted')}, orphan clients removed ${repaired('orphanClientsRemoved')}, drift repaired ${repaired('driftRepaired')}, clients missing ${repaired('clientsMissing')}, failures ${reports.map((r) => r.failures).join(' then ')}`,
      `after it: orphan clients ${problems.orphans.length}, dangling rows ${problems.dangling.length}, SAs differing from their client ${problems.mismatched.length} (of ${problems.live} live SAs checked in ${((checked - faultsDone) / 1000).toFixed(1)} s)`,
      `secrets replaced by a rotation answered 503 (Keycloak had dropped the old one; the row says so): ${problems.replaced.join(', ') || 'none'}`,
    ].join('\n'),
  );

  expect(injected).toBeGreaterThanOrEqual(100);
  expect(report.failures).toBe(0);
  expect({ wrong, ...problems, live: undefined, replaced: undefined }, 'answers that were neither a 503 problem nor right; clients without a live row; rows stuck or without their client; SAs whose client differs from the row').toEqual({
    wrong: [],
    orphans: [],
    dangling: [],
    mismatched: [],
    live: undefined,
    replaced: undefined,
  });
});

// ---------------------------------------------------------------------------------------------
// The invariants after the reconciler.

async function findInconsistencies() {
  const orphans: string[] = [];
  const dangling: string[] = [];
  const mismatched: string[] = [];
  const replaced: string[] = [];
  let live = 0;
  const fingerprints = new SecretFingerprints(app.serverKey);
  const platformRoles = roles.map((role) => keycloakRoleName(role, app.deps.config.roles));
  for (const realm of [saRealm.realm, updateRealm.realm, policyRealm.realm]) {
    const policy = (await app.deps.tenantRepository.findPolicy(realm))!;
    const rows = await app.deps.db.prisma.serviceAccount.findMany({ where: { tenant: realm } });
    const liveRows = rows.filter((row) => row.status === 'active' || row.status === 'disabled');
    const clients = (await kc<Json[]>(`/${realm}/clients?clientId=sa-&search=true&max=2000`)).body.filter(
      (client) => client.attributes?.['sa-bridge.managed'] === 'true' && client.attributes?.['sa-bridge.deployment'] === app.deps.deploymentId,
    );
    for (const client of clients) {
      if (!liveRows.some((row) => row.id === client.attributes['sa-bridge.sa-id'] && row.keycloakClientUuid === client.id)) orphans.push(`${realm}/${client.clientId}`);
    }
    for (const row of rows) {
      if (row.status === 'deleted') continue;
      if (row.status !== 'active' && row.status !== 'disabled') {
        dangling.push(`${row.name}: ${row.status} (${known.get(row.id)?.cell ?? 'never answered'})`);
      } else if (!clients.some((client) => client.id === row.keycloakClientUuid)) {
        dangling.push(`${row.name}: ${row.status} without its client (${known.get(row.id)?.cell ?? 'never answered'})`);
      }
    }
    await inBatches(liveRows, 10, async (row) => {
      const client = clients.find((c) => c.id === row.keycloakClientUuid);
      if (!client) return;
      live += 1;
      const held = known.get(row.id);
      const differences: string[] = [];
      if (!held) differences.push('a live SA whose create was never answered with it');
      if (client.enabled !== (row.status === 'active')) differences.push(`enabled ${client.enabled}, row ${row.status}`);
      if (client.attributes['access.token.lifespan'] !== String(row.accessTokenTtl)) differences.push(`lifespan ${client.attributes['access.token.lifespan']}, row ${row.accessTokenTtl}`);
      if (row.accessTokenTtl !== effectiveTokenTtl(row.requestedAccessTokenTtl, policy)) differences.push(`row lifetime ${row.accessTokenTtl} outside the tenant policy`);
      const mappers = ((await kc<Json[]>(`/${realm}/clients/${client.id}/protocol-mappers/models`)).body ?? [])
        .filter((m) => m.name.startsWith('sa-bridge:'))
        .map((m) => (m.name.startsWith('sa-bridge:claim:') ? `${m.name}=${m.config['claim.value']}` : m.name))
        .sort();
      const wantedMappers = [
        'sa-bridge:bridge-audience',
        'sa-bridge:exchange-audience',
        ...Object.entries(row.claims as Record<string, string>).map(([name, value]) => `sa-bridge:claim:${name}=${value}`),
        ...row.audiences.map((audience) => `sa-bridge:aud:${audience}`),
      ].sort();
      if (mappers.join() !== wantedMappers.join()) differences.push(`mappers ${mappers.join()}, row ${wantedMappers.join()}`);
      const optional = ((await kc<Json[]>(`/${realm}/clients/${client.id}/optional-client-scopes`)).body ?? []).map((s) => s.name as string);
      const ourScopes = optional.filter((name) => policy.allowedScopes.includes(name) || row.scopes.includes(name)).sort();
      if (ourScopes.join() !== [...row.scopes].sort().join()) differences.push(`scopes ${ourScopes.join()}, row ${row.scopes.join()}`);
      const user = (await kc<Json>(`/${realm}/clients/${client.id}/service-account-user`)).body;
      const mapped = ((await kc<Json[]>(`/${realm}/users/${user.id}/role-mappings/realm`)).body ?? []).map((r) => r.name as string).filter((name) => platformRoles.includes(name));
      const wantedRole = keycloakRoleName(row.role as Role, app.deps.config.roles);
      if (mapped.join() !== wantedRole) differences.push(`roles ${mapped.join()}, row ${wantedRole}`);
      if (held) {
        // The client's representation carries its secret and the rotated one, with their dates.
        const current = client.secret as string;
        if (!fingerprints.matches(current, row.secretFingerprint)) differences.push('Keycloak holds a secret other than the row describes');
        if (!fingerprints.matches(held.secret, row.secretFingerprint)) {
          // Only a rotation answered with 503 may leave a secret nobody received (its record failed
          // after Keycloak dropped the old one); the caller was told to try again.
          if (held.rotationFailed) replaced.push(`${row.name} (${held.cell})`);
          else differences.push('the row describes a secret other than the one last handed out');
        } else if (row.status === 'active' && (await tokenFor(realm, client.clientId, held.secret)).status !== 200) {
          differences.push('the secret handed out is refused');
        }
        const rotatedUntil = Number(client.attributes['client.secret.rotated.expiration.time']) * 1000;
        const rotatedSecret = rotatedUntil > Date.now() ? (client.attributes['client.secret.rotated'] as string) : undefined;
        const graceRuns = row.previousSecretExpiresAt !== null && row.previousSecretExpiresAt.getTime() > Date.now();
        if (graceRuns) {
          if (!held.previous || rotatedSecret !== held.previous) differences.push('the previous secret in its grace period is not the one handed out before');
          if (rotatedUntil !== row.previousSecretExpiresAt!.getTime()) differences.push(`previous secret expires ${new Date(rotatedUntil).toISOString()}, row ${row.previousSecretExpiresAt!.toISOString()}`);
        } else if (rotatedSecret) {
          differences.push('Keycloak keeps a previous secret the row does not know of');
        }
      }
      if (differences.length > 0) mismatched.push(`${row.name} (${held?.cell ?? '?'}): ${differences.join('; ')}`);
    });
  }
  return { orphans, dangling, mismatched, replaced, live };
}

async function inBatches<T>(items: T[], size: number, fn: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

function renderMatrix(plan: Array<{ op: Operation; steps: Step[] }>, passes: number): string {
  const stepWidth = Math.max(...plan.flatMap(({ steps }) => steps.map((s) => s.label.length)), 4);
  const opWidth = Math.max(...plan.map(({ op }) => op.name.length));
  const cellWidth = 16;
  const lines = [
    `fault matrix (operation x Keycloak step x fault; count x outcome; ${passes} pass${passes > 1 ? 'es' : ''})`,
    `${'operation'.padEnd(opWidth)}  ${'step'.padEnd(stepWidth)}  ${faultKinds.map((k) => k.padEnd(cellWidth)).join('')}`,
  ];
  for (const { op, steps } of plan) {
    for (const step of steps) {
      const kinds = matrix.get(op.name)?.get(step.label);
      const cells = faultKinds.map((kind) => {
        const outcomes = kinds?.get(kind) ?? [];
        const counted = new Map<string, number>();
        for (const outcome of outcomes) counted.set(outcome, (counted.get(outcome) ?? 0) + 1);
        return [...counted].map(([outcome, count]) => `${count}x ${outcome}`).join(', ').padEnd(cellWidth);
      });
      lines.push(`${op.name.padEnd(opWidth)}  ${step.label.padEnd(stepWidth)}  ${cells.join('')}`);
    }
  }
  return lines.join('\n');
}
