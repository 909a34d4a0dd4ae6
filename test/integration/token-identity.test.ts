// A service account's tokens die with it, however they came to exist: client_credentials with
// every token shape, and RFC 8693 exchanges through the bridge. The grants are made with
// openid-client (a client nobody here wrote), against Keycloak and against the bridge.
import { decodeJwt } from 'jose';
import * as oidc from 'openid-client';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../support/app.ts';
import { apiClient, type ApiClient } from '../support/api.ts';
import { deleteClient, findClient } from '../support/keycloak-inspect.ts';
import { passwordGrant, type TestRealm } from '../support/keycloak.ts';
import { useTenantApp } from '../support/tenant-app.ts';

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';

// No client exists for these audiences: the bridge registers them (item 3 of the issue).
const fixture = useTenantApp('ident', { policy: { allowed_scopes: ['billing:read'], allowed_audiences: ['billing-api', 'ledger-api', 'sa-bridge'] } });
let app: TestApp;
let tenant: TestRealm;
let alice: ApiClient;
let dave: ApiClient;
const secrets = fixture.secrets;

beforeAll(async () => {
  ({ app, tenant } = fixture);
  alice = await fixture.as('alice');
  dave = await fixture.as('dave');
  const policy = await (await fixture.as('root', 'platform')).get(`/v1/tenants/${tenant.realm}/policy`);
  expect(policy.body.registered_audiences).toEqual(['billing-api', 'ledger-api', 'sa-bridge']);
});

/** openid-client against the realm, discovered from the issuer the SA answer names. */
async function keycloakClient(issuer: string, clientId: string, clientSecret: string) {
  return oidc.discovery(new URL(issuer), clientId, undefined, oidc.ClientSecretPost(clientSecret), { execute: [oidc.allowInsecureRequests] });
}

/** openid-client against the bridge's RFC 8693 endpoint (no client authentication there). */
function bridgeExchangeClient() {
  const config = new oidc.Configuration({ issuer: app.baseUrl, token_endpoint: `${app.baseUrl}/v1/token-exchange` }, 'workload', undefined, oidc.None());
  oidc.allowInsecureRequests(config);
  return config;
}

async function exchange(subjectToken: string, audience: string) {
  return oidc.genericGrantRequest(bridgeExchangeClient(), TOKEN_EXCHANGE, {
    subject_token: subjectToken,
    subject_token_type: ACCESS_TOKEN,
    audience,
  });
}

const shapes: Array<[string, Record<string, unknown>, string | undefined]> = [
  ['no shape', {}, undefined],
  ['scopes', { scopes: ['billing:read'] }, 'billing:read'],
  ['an audience', { audience: ['billing-api'] }, undefined],
  ['static claims', { claims: { team: 'payments', 'org.unit': 'ops' } }, undefined],
  ['a token lifetime', { access_token_ttl: 120 }, undefined],
  ['everything together', { scopes: ['billing:read'], audience: ['ledger-api'], claims: { team: 'payments' }, access_token_ttl: 120 }, 'billing:read'],
];

describe.each(shapes)('an SA created by a devops user with %s', (label, shape, scope) => {
  let sa: { id: string; client_id: string; client_secret: string; issuer: string };
  const tokens: Record<string, string> = {};

  it('when it gets a token with client_credentials, then the token carries the inherited role and the bridge sees a service account', async () => {
    const created = await dave.post('/v1/service-accounts', { name: `ident-${label.replaceAll(' ', '-')}`, ...shape });
    expect(created.status).toBe(201);
    sa = created.body;
    secrets.push(sa.client_secret);
    const grant = await oidc.clientCredentialsGrant(await keycloakClient(sa.issuer, sa.client_id, sa.client_secret), scope ? { scope } : {});
    tokens.clientCredentials = grant.access_token;
    secrets.push(grant.access_token);
    const claims = decodeJwt(grant.access_token) as { realm_access?: { roles?: string[] }; aud?: string[] | string; scope?: string };
    expect(claims.realm_access?.roles).toContain('devops');
    expect([claims.aud].flat()).toContain('sa-bridge');
    if (scope) expect(claims.scope?.split(' ')).toContain(scope);
    const me = await apiClient(app.baseUrl, grant.access_token).get('/v1/me');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ role: 'devops', actor: { type: 'service_account', name: sa.client_id }, service_account_id: sa.id });
  });

  it('when its token is exchanged for each allowed audience, then each carries the role; only the one for the bridge is accepted there, as the SA', async () => {
    for (const audience of ['billing-api', 'ledger-api', 'sa-bridge']) {
      const exchanged = await exchange(tokens.clientCredentials!, audience);
      secrets.push(exchanged.access_token);
      tokens[audience] = exchanged.access_token;
      const claims = decodeJwt(exchanged.access_token) as { realm_access?: { roles?: string[] }; aud?: string[] | string; azp?: string };
      expect(claims.aud).toBe(audience);
      expect(claims.azp).toBe(`sa-bridge-exchange-${app.deps.deploymentId}`);
      expect(claims.realm_access?.roles).toContain('devops');
      const me = await apiClient(app.baseUrl, exchanged.access_token).get('/v1/me');
      if (audience === 'sa-bridge') {
        expect(me.status).toBe(200);
        expect(me.body).toMatchObject({ role: 'devops', actor: { type: 'service_account', name: sa.client_id }, service_account_id: sa.id });
      } else {
        expect(me.status).toBe(401);
        expect(me.body.detail).toMatch(/not issued for this API/);
      }
    }
  });

  it('when it is disabled, then every token about it is refused at once, also for creating an SA; enabling restores them', async () => {
    expect((await dave.patch(`/v1/service-accounts/${sa.id}`, { enabled: false })).status).toBe(200);
    for (const token of [tokens.clientCredentials!, tokens['sa-bridge']!]) {
      const client = apiClient(app.baseUrl, token);
      const me = await client.get('/v1/me');
      expect(me.status).toBe(401);
      expect(me.body.detail).toMatch(/disabled/);
      expect((await client.post('/v1/service-accounts', { name: 'minted-while-disabled' })).status).toBe(401);
    }
    await expect(exchange(tokens.clientCredentials!, 'billing-api')).rejects.toMatchObject({ error: 'invalid_request' });
    expect((await dave.patch(`/v1/service-accounts/${sa.id}`, { enabled: true })).status).toBe(200);
    expect((await apiClient(app.baseUrl, tokens['sa-bridge']!).get('/v1/me')).status).toBe(200);
  });

  it('when it is deleted, then every token about it is refused, and none can mint a new SA', async () => {
    expect((await dave.delete(`/v1/service-accounts/${sa.id}`)).status).toBe(204);
    for (const token of [tokens.clientCredentials!, tokens['sa-bridge']!]) {
      const client = apiClient(app.baseUrl, token);
      const me = await client.get('/v1/me');
      expect(me.status).toBe(401);
      expect(me.body.detail).toMatch(/deleted/);
      expect((await client.get('/v1/service-accounts')).status).toBe(401);
      const minted = await client.post('/v1/service-accounts', { name: 'minted-after-delete' });
      expect(minted.status).toBe(401);
      expect(minted.body).not.toHaveProperty('client_secret');
    }
    await expect(exchange(tokens.clientCredentials!, 'billing-api')).rejects.toMatchObject({ error: 'invalid_request' });
    expect(await app.deps.db.prisma.serviceAccount.count({ where: { name: { startsWith: 'minted-' } } })).toBe(0);
  });
});

describe('audiences of the tenant policy', () => {
  it('when an allowed audience had no client, then the bridge registered one as a resource client and the exchange works', async () => {
    const client = await findClient(tenant.realm, 'billing-api');
    expect(client).toMatchObject({ publicClient: false, standardFlowEnabled: false, serviceAccountsEnabled: false, directAccessGrantsEnabled: false });
    expect(client.attributes['sa-bridge.audience']).toBe('true');
    const root = apiClient(app.baseUrl, (await passwordGrant('platform', 'root')).access_token);
    expect((await root.get(`/v1/tenants/${tenant.realm}/policy`)).body.registered_audiences).toEqual(['billing-api', 'ledger-api', 'sa-bridge']);
  });

  it('when a person exchanges her portal token, then she gets a token for the audience with her own subject', async () => {
    const { access_token } = await passwordGrant(tenant.realm, 'alice');
    const exchanged = await exchange(access_token, 'billing-api');
    secrets.push(exchanged.access_token);
    expect(decodeJwt(exchanged.access_token)).toMatchObject({ aud: 'billing-api', sub: decodeJwt(access_token).sub });
  });

  it("when an audience's client disappears from Keycloak, then the exchange answers invalid_target, never invalid_client", async () => {
    const created = await alice.post('/v1/service-accounts', { name: 'orphaned-audience' });
    secrets.push(created.body.client_secret);
    const grant = await oidc.clientCredentialsGrant(await keycloakClient(created.body.issuer, created.body.client_id, created.body.client_secret));
    secrets.push(grant.access_token);
    await deleteClient(tenant.realm, 'ledger-api');
    await expect(exchange(grant.access_token, 'ledger-api')).rejects.toMatchObject({ error: 'invalid_target', status: 400 });
    const failed = await app.deps.db.prisma.auditEvent.findFirstOrThrow({ where: { action: 'token.exchanged', outcome: 'failed' }, orderBy: { occurredAt: 'desc' } });
    expect(failed.details).toMatchObject({ audience: ['ledger-api'] });
  });

});
