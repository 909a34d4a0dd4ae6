// Denied requests stay in the caller's own trail; every log line of a request names its id; the
// metrics name routes by their template; the setup script imports demo data only when asked.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../src/config.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { apiClient, type ApiClient } from '../support/api.ts';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.ts';
import { createTestRealm, passwordGrant, testKeycloak, type TestRealm } from '../support/keycloak.ts';

let app: TestApp;
let acme: TestRealm;
let globex: TestRealm;
let alice: ApiClient;
let proxy: FaultProxy;

beforeAll(async () => {
  [acme, globex] = await Promise.all([createTestRealm('own'), createTestRealm('other')]);
  proxy = await startFaultProxy(testKeycloak().url);
  app = await startTestApp({ realms: [acme.realm, globex.realm], keycloakUrl: proxy.url });
  alice = apiClient(app.baseUrl, (await passwordGrant(acme.realm, 'alice')).access_token);
});

afterAll(async () => {
  await app?.close();
  await proxy?.close();
  await Promise.all([acme?.remove(), globex?.remove()]);
});

describe('denied requests in the audit trail', () => {
  it("when alice of one tenant tries to change another tenant's policy, then 403 and the denied event lands in her own trail, not theirs", async () => {
    const prisma = app.deps.db.prisma;
    const before = await prisma.auditEvent.count({ where: { tenant: globex.realm } });
    const denied = await alice.patch(`/v1/tenants/${globex.realm}/policy`, { max_secret_age_seconds: 7200 });
    expect(denied.status).toBe(403);
    expect(await prisma.auditEvent.count({ where: { tenant: globex.realm } })).toBe(before);
    const event = await prisma.auditEvent.findFirstOrThrow({ where: { action: 'tenant.policy_updated', outcome: 'denied' } });
    expect(event).toMatchObject({ tenant: acme.realm, actorName: 'alice', targetType: 'tenant', targetId: globex.realm });
    expect(event.details).toMatchObject({ target_tenant: globex.realm });
    const gina = apiClient(app.baseUrl, (await passwordGrant(globex.realm, 'alice')).access_token);
    const theirs = await gina.get('/v1/audit-events?outcome=denied');
    expect(theirs.status).toBe(200);
    expect(theirs.body.items).toEqual([]);
    const hers = await alice.get('/v1/audit-events?outcome=denied');
    expect(hers.body.items.map((e: { action: string }) => e.action)).toContain('tenant.policy_updated');
  });
});

describe('logs and metrics', () => {
  it('when a request fails, then every log line written for it carries the request id of the problem instance', async () => {
    const failing = await alice.get('/v1/service-accounts/sa_AAAAAAAAAAAAAAAAAAAA');
    expect(failing.status).toBe(404);
    const requestId = failing.body.instance;
    expect(requestId).toBe(failing.headers.get('x-request-id'));
    const lines = app.logs.flatMap((chunk) => chunk.split('\n')).filter((line) => line.includes(requestId));
    expect(lines.length).toBeGreaterThan(0);
    const completion = lines.map((line) => JSON.parse(line)).find((entry) => entry.res?.status === 404);
    expect(completion).toMatchObject({ requestId, req: { method: 'GET' } });
  });

  it('when a use case logs deep inside a request (a failing create saga), then its lines carry the request id too', async () => {
    proxy.add({ match: (m, p) => m === 'POST' && p.includes('/role-mappings/realm'), mode: 'unavailable', times: 1 });
    const failed = await alice.post('/v1/service-accounts', { name: 'logged-failure' });
    expect(failed.status).toBe(503);
    const requestId = failed.headers.get('x-request-id');
    const entries = app.logs.flatMap((chunk) => chunk.split('\n')).filter(Boolean).map((line) => JSON.parse(line));
    const saga = entries.find((entry) => entry.msg === 'create failed; compensating');
    expect(saga).toMatchObject({ requestId });
  });

  it('when the token exchange is called, then its metric label is the route template once', async () => {
    await fetch(`${app.baseUrl}/v1/token-exchange`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=nope' });
    const metrics = await (await fetch(`${app.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/route="\/v1\/token-exchange"/);
    expect(metrics).not.toContain('/v1/token-exchange/v1/token-exchange');
  });
});

describe('npm run setup:keycloak', () => {
  it('when SETUP_REALMS is empty and demo realms are not asked for, then it refuses and imports nothing', async () => {
    const kc = testKeycloak();
    const result = spawnSync(path.join(repoRoot, 'node_modules', '.bin', 'node'), ['--import', 'tsx', 'scripts/setup-keycloak.ts'], {
      cwd: repoRoot,
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH,
        KEYCLOAK_URL: kc.url,
        SETUP_ADMIN_CLIENT_ID: kc.bootstrapAdmin.clientId,
        SETUP_ADMIN_CLIENT_SECRET: kc.bootstrapAdmin.clientSecret,
        KEYCLOAK_ADMIN_CLIENT_SECRET: kc.bridgeAdmin.clientSecret,
      },
      timeout: 60_000,
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/SETUP_REALMS/);
    expect(result.stdout).not.toMatch(/imported realm/);
  });
});
