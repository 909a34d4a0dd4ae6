// Bad input gets a 4xx problem+json that says what is wrong, and changes nothing anywhere.
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
