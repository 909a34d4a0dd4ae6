// Tenant token limits and per-SA token shape, checked in the tokens Keycloak really issues.
import { decodeJwt } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../support/app.ts';
import type { ApiClient } from '../support/api.ts';
import { findClient, tryClientCredentials } from '../support/keycloak-inspect.ts';
import { testKeycloak, tokenRequest, type TestRealm } from '../support/keycloak.ts';
import { useTenantApp } from '../support/tenant-app.ts';

const fixture = useTenantApp('shape', {
  policy: {
    max_access_token_ttl: 300,
    default_access_token_ttl: 200,
    allowed_scopes: ['billing:read', 'billing:write'],
    allowed_audiences: ['billing-api', 'ledger-api'],
  },
});
let app: TestApp;
let tenant: TestRealm;
let alice: ApiClient;
let root: ApiClient;
const secrets = fixture.secrets;

beforeAll(async () => {
  ({ app, tenant } = fixture);
  alice = await fixture.as('alice');
  root = await fixture.as('root', 'platform');
});

async function issuedToken(clientId: string, secret: string, scope?: string) {
  const response = await tokenRequest(testKeycloak().url, tenant.realm, {
    grant_type: 'client_credentials',
    client_id: clientId,
    client_secret: secret,
    ...(scope && { scope }),
  });
  expect(response.status).toBe(200);
  return decodeJwt(((await response.json()) as { access_token: string }).access_token);
}

describe('access token lifetime', () => {
  it('when an SA asks for 120 s under a 300 s maximum, then its tokens live 120 s', async () => {
    const created = await alice.post('/v1/service-accounts', { name: 'ttl-120', access_token_ttl: 120 });
    expect(created.status).toBe(201);
    secrets.push(created.body.client_secret);
    expect(created.body).toMatchObject({ access_token_ttl: 120, access_token_ttl_requested: 120 });
    const token = await issuedToken(created.body.client_id, created.body.client_secret);
    expect(token.exp! - token.iat!).toBe(120);
  });

  it('when an SA asks for 900 s, then it gets 300 and the answer says so', async () => {
    const created = await alice.post('/v1/service-accounts', { name: 'ttl-900', access_token_ttl: 900 });
    secrets.push(created.body.client_secret);
    expect(created.body).toMatchObject({ access_token_ttl: 300, access_token_ttl_requested: 900 });
    const token = await issuedToken(created.body.client_id, created.body.client_secret);
    expect(token.exp! - token.iat!).toBe(300);
  });

  it('when nothing is asked, then the tenant default applies', async () => {
    const created = await alice.post('/v1/service-accounts', { name: 'ttl-default' });
    secrets.push(created.body.client_secret);
    expect(created.body.access_token_ttl).toBe(200);
    const token = await issuedToken(created.body.client_id, created.body.client_secret);
    expect(token.exp! - token.iat!).toBe(200);
  });

  it('when a policy repeats an audience or a scope, then 400 names the field and the policy is unchanged', async () => {
    const before = await root.get(`/v1/tenants/${tenant.realm}/policy`);
    for (const [field, values] of [['allowed_audiences', ['A', 'A']], ['allowed_scopes', ['s', 's']]] as const) {
      const refused = await root.patch(`/v1/tenants/${tenant.realm}/policy`, { [field]: values });
      expect(refused.status).toBe(400);
      expect(JSON.stringify(refused.body)).toContain(`body.${field}`);
    }
    expect((await root.get(`/v1/tenants/${tenant.realm}/policy`)).body).toEqual(before.body);
  });

  it('when the tenant maximum drops, then existing SAs are re-clamped in Keycloak', async () => {
    const lowered = await root.patch(`/v1/tenants/${tenant.realm}/policy`, { max_access_token_ttl: 60, default_access_token_ttl: 60 });
    expect(lowered.status).toBe(200);
    try {
      const list = await alice.get('/v1/service-accounts?q=ttl-');
      for (const item of list.body.items) expect(item.access_token_ttl).toBe(60);
      const one = list.body.items.find((i: { name: string }) => i.name === 'ttl-120');
      expect((await findClient(tenant.realm, one.client_id)).attributes['access.token.lifespan']).toBe('60');
      expect(await app.deps.db.prisma.auditEvent.count({ where: { action: 'service_account.token_lifetime_reclamped' } })).toBeGreaterThanOrEqual(3);
    } finally {
      await root.patch(`/v1/tenants/${tenant.realm}/policy`, { max_access_token_ttl: 300, default_access_token_ttl: 200 });
    }
    const restored = await alice.get('/v1/service-accounts?q=ttl-120');
    expect(restored.body.items[0].access_token_ttl).toBe(120);
  });
});

describe('scopes, claims and audiences', () => {
  it('when an SA has static claims, an audience and a scope, then its tokens carry them', async () => {
    const created = await alice.post('/v1/service-accounts', {
      name: 'shaped',
      scopes: ['billing:read'],
      claims: { team: 'payments', cost_center: 'cc-42' },
      audience: ['billing-api'],
    });
    expect(created.status).toBe(201);
    secrets.push(created.body.client_secret);
    expect(created.body).toMatchObject({ scopes: ['billing:read'], claims: { team: 'payments', cost_center: 'cc-42' }, audience: ['billing-api'] });
    const token = await issuedToken(created.body.client_id, created.body.client_secret, 'billing:read');
    expect(token).toMatchObject({ team: 'payments', cost_center: 'cc-42' });
    expect([token.aud].flat()).toContain('billing-api');
    expect(String(token.scope).split(' ')).toContain('billing:read');
    const without = await issuedToken(created.body.client_id, created.body.client_secret);
    expect(String(without.scope).split(' ')).not.toContain('billing:read');
  });

  it('when the shape is changed, then old mappers and scopes go and new ones come', async () => {
    const created = await alice.post('/v1/service-accounts', { name: 'reshaped', scopes: ['billing:read'], claims: { team: 'a' }, audience: ['billing-api'] });
    secrets.push(created.body.client_secret);
    const patched = await alice.patch(`/v1/service-accounts/${created.body.id}`, { scopes: ['billing:write'], claims: { tier: 'gold' }, audience: ['ledger-api'] });
    expect(patched.status).toBe(200);
    const token = await issuedToken(created.body.client_id, created.body.client_secret, 'billing:write');
    expect(token.tier).toBe('gold');
    expect(token.team).toBeUndefined();
    expect([token.aud].flat()).toContain('ledger-api');
    expect([token.aud].flat()).not.toContain('billing-api');
    expect(String(token.scope).split(' ')).toContain('billing:write');
    const oldScope = await tokenRequest(testKeycloak().url, tenant.realm, {
      grant_type: 'client_credentials', client_id: created.body.client_id, client_secret: created.body.client_secret, scope: 'billing:read',
    });
    expect(oldScope.status).toBe(400);
    expect(await app.deps.db.prisma.auditEvent.count({ where: { targetId: created.body.id, action: 'service_account.token_shape_updated' } })).toBe(1);
  });

  it.each([
    ['a scope outside the tenant policy', { scopes: ['admin:all'] }, 'body.scopes'],
    ['an audience outside the tenant policy', { audience: ['payroll-api'] }, 'body.audience'],
    ['a reserved claim', { claims: { sub: 'someone-else' } }, 'body.claims.sub'],
    ['a reserved claim (realm_access)', { claims: { realm_access: 'x' } }, 'body.claims.realm_access'],
  ])('when a create asks for %s, then 400 problem+json and nothing is created', async (_label, shape, path) => {
    const before = await app.deps.db.prisma.serviceAccount.count();
    const response = await alice.post('/v1/service-accounts', { name: 'forbidden-shape', ...shape });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/problem\+json/);
    expect(response.body.errors.map((e: { path: string }) => e.path)).toContain(path);
    expect(await app.deps.db.prisma.serviceAccount.count()).toBe(before);
    expect(await findClient(tenant.realm, 'forbidden-shape')).toBeUndefined();
  });

  it('when a PATCH asks for a forbidden audience, then 400 and the SA keeps its shape', async () => {
    const created = await alice.post('/v1/service-accounts', { name: 'kept-shape', audience: ['billing-api'] });
    secrets.push(created.body.client_secret);
    const response = await alice.patch(`/v1/service-accounts/${created.body.id}`, { audience: ['payroll-api'] });
    expect(response.status).toBe(400);
    const token = await issuedToken(created.body.client_id, created.body.client_secret);
    expect([token.aud].flat()).toContain('billing-api');
    expect((await tryClientCredentials(tenant.realm, created.body.client_id, created.body.client_secret)).status).toBe(200);
  });
});
