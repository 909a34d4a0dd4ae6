// Bad input gets a 4xx problem+json that says what is wrong, and changes nothing anywhere.
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { apiClient, type ApiClient, type ApiResponse } from '../support/api.ts';
import { clientsWithPrefix } from '../support/keycloak-inspect.ts';
import { createTestRealm, passwordGrant, type TestRealm } from '../support/keycloak.ts';

let app: TestApp;
let tenant: TestRealm;
let alice: ApiClient;
let existing: string;

beforeAll(async () => {
  tenant = await createTestRealm('input');
  app = await startTestApp({ realms: [tenant.realm] });
  alice = apiClient(app.baseUrl, (await passwordGrant(tenant.realm, 'alice')).access_token);
  const created = await alice.post('/v1/service-accounts', { name: 'existing', description: 'before' });
  expect(created.status).toBe(201);
  existing = created.body.id;
});

afterAll(async () => {
  await app?.close();
  await tenant?.remove();
});

async function snapshot() {
  const prisma = app.deps.db.prisma;
  return {
    rows: await prisma.serviceAccount.findMany({ orderBy: { id: 'asc' } }),
    audit: await prisma.auditEvent.count(),
    clients: (await clientsWithPrefix(tenant.realm, 'sa-')).map((c) => `${c.clientId}:${c.enabled}:${c.description}`).sort(),
  };
}

function expectProblem(response: ApiResponse, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(response.body).toMatchObject({ status, code, type: expect.any(String), title: expect.any(String), detail: expect.any(String) });
  expect(response.body.instance).toBe(response.headers.get('x-request-id'));
}

const big = 'x'.repeat(70_000);

const cases: Array<[string, () => Promise<ApiResponse>, number, string, string?]> = [
  ['malformed JSON', () => alice.request('POST', '/v1/service-accounts', '{"name": "oops"', { 'content-type': 'application/json' }), 400, 'malformed_json'],
  ['an unknown field', () => alice.post('/v1/service-accounts', { name: 'ok-name', owner: 'me' }), 400, 'invalid_request', 'body'],
  ['a number for name', () => alice.post('/v1/service-accounts', { name: 42 }), 400, 'invalid_request', 'body.name'],
  ['an upper-case name', () => alice.post('/v1/service-accounts', { name: 'CI-Pipeline' }), 400, 'invalid_request', 'body.name'],
  ['a 51-character name', () => alice.post('/v1/service-accounts', { name: 'a'.repeat(51) }), 400, 'invalid_request', 'body.name'],
  ['an empty name', () => alice.post('/v1/service-accounts', { name: '' }), 400, 'invalid_request', 'body.name'],
  ['an unknown role', () => alice.post('/v1/service-accounts', { name: 'ok-name', role: 'god' }), 400, 'invalid_request', 'body.role'],
  ['a JSON array body', () => alice.post('/v1/service-accounts', [1, 2]), 400, 'invalid_request'],
  ['an oversize body', () => alice.post('/v1/service-accounts', { name: 'ok-name', description: big }), 413, 'payload_too_large'],
  ['a form body', () => alice.request('POST', '/v1/service-accounts', 'name=x', { 'content-type': 'application/x-www-form-urlencoded' }), 415, 'unsupported_media_type'],
  ['limit=0', () => alice.get('/v1/service-accounts?limit=0'), 400, 'invalid_request', 'query.limit'],
  ['limit=101', () => alice.get('/v1/service-accounts?limit=101'), 400, 'invalid_request', 'query.limit'],
  ['limit=ten', () => alice.get('/v1/service-accounts?limit=ten'), 400, 'invalid_request', 'query.limit'],
  ['a forged cursor', () => alice.get('/v1/service-accounts?cursor=eyJ0Ijoibm8ifQ'), 400, 'invalid_cursor'],
  ['an unknown status filter', () => alice.get('/v1/service-accounts?status=deleted'), 400, 'invalid_request', 'query.status'],
  ['an unknown query parameter', () => alice.get('/v1/service-accounts?sort=name'), 400, 'invalid_request'],
  ['an id of the wrong shape on GET', () => alice.get('/v1/service-accounts/123'), 400, 'invalid_request', 'params.id'],
  ['an id of the wrong shape on DELETE', () => alice.delete('/v1/service-accounts/sa_short'), 400, 'invalid_request', 'params.id'],
  ['a well-formed unknown id', () => alice.delete('/v1/service-accounts/sa_AAAAAAAAAAAAAAAAAAAA'), 404, 'service_account_not_found'],
  ['an empty PATCH', () => alice.patch(`/v1/service-accounts/${existing}`, {}), 400, 'invalid_request'],
  ['a PATCH with a string for enabled', () => alice.patch(`/v1/service-accounts/${existing}`, { enabled: 'no' }), 400, 'invalid_request', 'body.enabled'],
  ['a PATCH of the name', () => alice.patch(`/v1/service-accounts/${existing}`, { name: 'renamed' }), 400, 'invalid_request'],
  ['a bad audit time', () => alice.get('/v1/audit-events?since=yesterday'), 400, 'invalid_request', 'query.since'],
  // Found by a fuzzer: each of these was a 500 or a wrong status.
  ['a NUL in the description', () => alice.post('/v1/service-accounts', { name: 'nul-desc', description: 'a\u0000b' }), 400, 'invalid_request', 'body.description'],
  ['a NUL in a claim value', () => alice.post('/v1/service-accounts', { name: 'nul-claim', claims: { team: 'a\u0000' } }), 400, 'invalid_request', 'body.claims.team'],
  ['a NUL in a PATCH description', () => alice.patch(`/v1/service-accounts/${existing}`, { description: '\u0000' }), 400, 'invalid_request', 'body.description'],
  ['a NUL in q', () => alice.get('/v1/service-accounts?q=a%00b'), 400, 'invalid_request', 'query.q'],
  ['a NUL in the audit actor filter', () => alice.get('/v1/audit-events?actor=%00'), 400, 'invalid_request', 'query.actor'],
  ['a NUL in the audit target filter', () => alice.get('/v1/audit-events?target=x%00'), 400, 'invalid_request', 'query.target'],
  ['a NUL in the audit action filter', () => alice.get('/v1/audit-events?action=x%00'), 400, 'invalid_request', 'query.action'],
  ['a NUL inside a decoded cursor', () => alice.get(`/v1/service-accounts?cursor=${Buffer.from(JSON.stringify({ t: new Date().toISOString(), id: 'sa_\u0000' })).toString('base64url')}`), 400, 'invalid_cursor'],
  ['malformed percent-encoding in the id on GET', () => alice.get('/v1/service-accounts/%ff%fe'), 400, 'invalid_request'],
  ['malformed percent-encoding in the id on PATCH', () => alice.patch('/v1/service-accounts/%ff%fe', { enabled: false }), 400, 'invalid_request'],
  ['malformed percent-encoding in the id on DELETE', () => alice.delete('/v1/service-accounts/%E0%A4%A'), 400, 'invalid_request'],
  ['malformed percent-encoding on regenerate', () => alice.post('/v1/service-accounts/%ff/regenerate-secret'), 400, 'invalid_request'],
  ['a JSON body with a bogus Content-Encoding: gzip', () => alice.request('POST', '/v1/service-accounts', '{"name":"gz"}', { 'content-type': 'application/json', 'content-encoding': 'gzip' }), 400, 'invalid_request'],
  ['PUT on a service account', () => alice.request('PUT', `/v1/service-accounts/${existing}`, { description: 'x' }), 405, 'method_not_allowed'],
  ['DELETE on the collection', () => alice.delete('/v1/service-accounts'), 405, 'method_not_allowed'],
  ['GET on regenerate-secret', () => alice.get(`/v1/service-accounts/${existing}/regenerate-secret`), 405, 'method_not_allowed'],
  // Static claims that Keycloak would nest into protected claims (a forged realm_access, act or cnf).
  ['a claim nesting into realm_access', () => alice.post('/v1/service-accounts', { name: 'forge-1', claims: { 'realm_access.roles': 'tenant-admin' } }), 400, 'invalid_request', 'body.claims'],
  ['a claim nesting into act', () => alice.post('/v1/service-accounts', { name: 'forge-2', claims: { 'act.sub': 'alice' } }), 400, 'invalid_request', 'body.claims'],
  ['a claim nesting into cnf', () => alice.post('/v1/service-accounts', { name: 'forge-3', claims: { 'cnf.jkt': 'x' } }), 400, 'invalid_request', 'body.claims'],
  ['a claim nesting into resource_access', () => alice.post('/v1/service-accounts', { name: 'forge-4', claims: { 'resource_access.billing-api.roles': 'admin' } }), 400, 'invalid_request', 'body.claims'],
  ['a claim with a reserved inner segment', () => alice.post('/v1/service-accounts', { name: 'forge-5', claims: { 'team.sub': 'x' } }), 400, 'invalid_request', 'body.claims'],
  ['claims that clash when nested', () => alice.post('/v1/service-accounts', { name: 'forge-6', claims: { team: 'a', 'team.id': 'b' } }), 400, 'invalid_request', 'body.claims'],
  ['a PATCH with a claim nesting into realm_access', () => alice.patch(`/v1/service-accounts/${existing}`, { claims: { 'realm_access.roles': 'x' } }), 400, 'invalid_request', 'body.claims'],
];

describe('bad input', () => {
  it.each(cases)('when the request has %s, then a 4xx problem and no change', async (_label, send, status, code, path) => {
    const before = await snapshot();
    const response = await send();
    expectProblem(response, status, code);
    if (path) expect(response.body.errors.map((e: { path: string }) => e.path)).toEqual(expect.arrayContaining([expect.stringContaining(path)]));
    expect(await snapshot()).toEqual(before);
  });
});

describe('inputs a fuzzer found', () => {
  it('when TRACE is sent to a known path, then 405 with an Allow header', async () => {
    const { status, headers, body } = await rawRequest('TRACE', '/v1/me');
    expect(status).toBe(405);
    expect(headers.allow).toBe('GET, HEAD');
    expect(JSON.parse(body)).toMatchObject({ code: 'method_not_allowed', status: 405 });
  });

  it('when PUT is sent to a service account, then the Allow header lists its methods', async () => {
    const response = await alice.request('PUT', `/v1/service-accounts/${existing}`, { description: 'x' });
    expect(response.headers.get('allow')?.split(', ').sort()).toEqual(['DELETE', 'GET', 'HEAD', 'PATCH']);
  });

  it('when a description of 256 to 500 characters is sent, then it is kept whole and Keycloak holds what fits in 255', async () => {
    for (const length of [256, 500]) {
      // A two-unit emoji straddles Keycloak's 255th unit: it must not be cut in half.
      const text = `${'d'.repeat(254)}\u{1F511}${'e'.repeat(length - 256)}`;
      expect(text.length).toBe(length);
      const created = await alice.post('/v1/service-accounts', { name: `long-${length}`, description: text });
      expect(created.status).toBe(201);
      expect(created.body.description).toBe(text);
      expect((await app.deps.db.prisma.serviceAccount.findUniqueOrThrow({ where: { id: created.body.id } })).description).toBe(text);
      expect((await clientsWithPrefix(tenant.realm, `sa-long-${length}-`))[0].description).toBe('d'.repeat(254));
      const changed = `${'d'.repeat(253)}\u{1F511}${'f'.repeat(length - 255)}`;
      const patched = await alice.patch(`/v1/service-accounts/${created.body.id}`, { description: changed });
      expect(patched.status).toBe(200);
      expect(patched.body.description).toBe(changed);
      expect((await clientsWithPrefix(tenant.realm, `sa-long-${length}-`))[0].description).toBe(`${'d'.repeat(253)}\u{1F511}`);
    }
  });
});

/** fetch refuses TRACE, so this one goes through node:http. */
function rawRequest(method: string, path: string): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, app.baseUrl);
    const request = httpRequest({ host: url.hostname, port: url.port, path: url.pathname, method, headers: { authorization: alice.authorization } }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
    });
    request.on('error', reject);
    request.end();
  });
}
