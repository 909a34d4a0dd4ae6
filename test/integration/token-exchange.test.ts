// RFC 8693 token exchange through the bridge, performed by Keycloak's standard token exchange.
import { decodeJwt } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import type { ApiClient } from '../support/api.ts';
import { createRawClient, tryClientCredentials } from '../support/keycloak-inspect.ts';
import type { TestRealm } from '../support/keycloak.ts';
import { useTenantApp } from '../support/tenant-app.ts';

const GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS = 'urn:ietf:params:oauth:token-type:access_token';

const fixture = useTenantApp('exch', {
  async beforeApp(realm) {
    for (const api of ['billing-api', 'ledger-api', 'payroll-api']) {
      await createRawClient(realm, { clientId: api, publicClient: false, standardFlowEnabled: false, directAccessGrantsEnabled: false });
    }
  },
  policy: { allowed_audiences: ['billing-api', 'ledger-api'], allowed_scopes: ['billing:read', 'billing:write'] },
});
let app: TestApp;
let tenant: TestRealm;
let alice: ApiClient;
let service: { id: string; client_id: string; client_secret: string };
let serviceToken: string;
const secrets = fixture.secrets;

beforeAll(async () => {
  ({ app, tenant } = fixture);
  alice = await fixture.as('alice');
  const created = await alice.post('/v1/service-accounts', { name: 'orders-service' });
  expect(created.status).toBe(201);
  service = created.body;
  secrets.push(service.client_secret);
  const grant = await tryClientCredentials(tenant.realm, service.client_id, service.client_secret);
  serviceToken = grant.token!;
  secrets.push(serviceToken);
});


async function exchange(form: Record<string, string | string[]>, target = app) {
  const body = new URLSearchParams();
  for (const [key, value] of Object.entries(form)) for (const v of [value].flat()) body.append(key, v);
  const response = await fetch(`${target.baseUrl}/v1/token-exchange`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
}

const standard = () => ({ grant_type: GRANT, subject_token: serviceToken, subject_token_type: ACCESS });

describe('POST /v1/token-exchange', () => {
  it("when a service exchanges its token for billing-api with one scope, then Keycloak's token has that audience and only that scope", async () => {
    const result = await exchange({ ...standard(), audience: 'billing-api', scope: 'billing:read' });
    expect(result.status).toBe(200);
    expect(result.headers.get('cache-control')).toBe('no-store');
    expect(result.body).toMatchObject({ token_type: expect.stringMatching(/^bearer$/i), access_token: expect.any(String) });
    const token = decodeJwt(String(result.body.access_token));
    secrets.push(String(result.body.access_token));
    expect(token.aud).toBe('billing-api');
    expect(String(token.scope).split(' ')).toContain('billing:read');
    expect(String(token.scope).split(' ')).not.toContain('billing:write');
    expect(token.sub).toBe(decodeJwt(serviceToken).sub);
    expect(token.iss).toBe(decodeJwt(serviceToken).iss);
    await app.deps.audit.flush();
    const audit = await app.deps.db.prisma.auditEvent.findFirstOrThrow({ where: { action: 'token.exchanged', outcome: 'success' } });
    expect(audit).toMatchObject({ actorType: 'service_account', actorName: service.client_id, tenant: tenant.realm });
    expect(audit.details).toMatchObject({ audience: ['billing-api'], scope: ['billing:read'], service_account_id: service.id });
  });

  it('when the audience is outside the tenant policy, then invalid_target and a denied audit event', async () => {
    const result = await exchange({ ...standard(), audience: 'payroll-api' });
    expect(result.status).toBe(400);
    expect(result.body).toEqual({ error: 'invalid_target', error_description: expect.stringContaining('payroll-api') });
    expect(result.headers.get('cache-control')).toBe('no-store');
    expect(await app.deps.db.prisma.auditEvent.count({ where: { action: 'token.exchanged', outcome: 'denied' } })).toBe(1);
  });

  it('when a scope is outside the tenant policy, then invalid_scope', async () => {
    const result = await exchange({ ...standard(), audience: 'billing-api', scope: 'admin:all' });
    expect(result.status).toBe(400);
    expect(result.body.error).toBe('invalid_scope');
  });

  it('when the grant type, token type or body is wrong, then RFC 6749 errors', async () => {
    expect((await exchange({ ...standard(), grant_type: 'client_credentials', audience: 'billing-api' })).body.error).toBe('unsupported_grant_type');
    expect((await exchange({ ...standard(), subject_token_type: 'urn:ietf:params:oauth:token-type:id_token', audience: 'billing-api' })).body.error).toBe('invalid_request');
    expect((await exchange({ grant_type: GRANT, subject_token_type: ACCESS, audience: 'billing-api' })).body.error).toBe('invalid_request');
    expect((await exchange({ ...standard(), subject_token: 'not.a.token', audience: 'billing-api' })).body).toMatchObject({ error: 'invalid_request' });
    const json = await fetch(`${app.baseUrl}/v1/token-exchange`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(json.status).toBe(400);
    expect(((await json.json()) as { error: string }).error).toBe('invalid_request');
  });

  it("when the service account was deleted, then its token cannot be exchanged", async () => {
    const doomed = await alice.post('/v1/service-accounts', { name: 'doomed-service' });
    secrets.push(doomed.body.client_secret);
    const token = (await tryClientCredentials(tenant.realm, doomed.body.client_id, doomed.body.client_secret)).token!;
    secrets.push(token);
    expect((await exchange({ grant_type: GRANT, subject_token: token, subject_token_type: ACCESS, audience: 'billing-api' })).status).toBe(200);
    expect((await alice.delete(`/v1/service-accounts/${doomed.body.id}`)).status).toBe(204);
    const refused = await exchange({ grant_type: GRANT, subject_token: token, subject_token_type: ACCESS, audience: 'billing-api' });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ error: 'invalid_request', error_description: expect.stringContaining('deleted') });
  });

  it('when a caller exceeds its rate, then 429 slow_down with Retry-After', async () => {
    // The same deployment (its exchange client is the one the SA's tokens name) with a database of its own.
    const limited = await startTestApp({ realms: [tenant.realm], env: { EXCHANGE_RATE_LIMIT_PER_MINUTE: '2', DEPLOYMENT_ID: app.deps.deploymentId } });
    try {
      // A second bridge has its own database: give it the same tenant policy.
      await limited.deps.tenantRepository.updatePolicy(tenant.realm, { allowedAudiences: ['billing-api', 'ledger-api'], allowedScopes: ['billing:read', 'billing:write'] });
      await limited.deps.tenants.configureRealm(tenant.realm);
      const statuses = [];
      for (let i = 0; i < 3; i += 1) statuses.push(await exchange({ ...standard(), audience: 'ledger-api' }, limited));
      expect(statuses.map((r) => r.status)).toEqual([200, 200, 429]);
      expect(statuses[2]!.body.error).toBe('slow_down');
      expect(statuses[2]!.headers.get('retry-after')).toBe('60');
      for (const r of statuses) if (r.body.access_token) secrets.push(String(r.body.access_token));
    } finally {
      await limited.close();
    }
  });
});
