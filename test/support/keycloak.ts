// Test-side Keycloak helpers: a fresh realm per test file (from the tenant template, with one
// user per role), and the token grants a person or a workload would use.
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { grantBridgeRealmAccess, importRealm } from '../../src/keycloak/local-server.ts';
import { bridgeAudienceMappers } from '../../src/keycloak/keycloak-admin.ts';
import { renderTenantRealm } from '../../src/keycloak/realm-template.ts';

export const DEMO_PASSWORD = 'demo';

export function testKeycloak() {
  return inject('keycloak');
}

export interface TestRealm {
  realm: string;
  /** username by role; `nobody` holds none of the platform roles. */
  users: { admin: string; devops: string; devops2: string; viewer: string; nobody: string };
  remove(): Promise<void>;
}

async function bootstrapToken(): Promise<string> {
  const kc = testKeycloak();
  const token = await clientCredentialsGrant(kc.url, 'master', kc.bootstrapAdmin.clientId, kc.bootstrapAdmin.clientSecret);
  return token.access_token;
}

async function adminFetch(path: string, init: RequestInit = {}): Promise<Response> {
  const kc = testKeycloak();
  const response = await fetch(`${kc.url}/admin/realms${path}`, {
    ...init,
    headers: { authorization: `Bearer ${await bootstrapToken()}`, 'content-type': 'application/json', ...init.headers },
  });
  return response;
}

/** Creates a realm from the tenant template with users, and lets the bridge manage it. */
export async function createTestRealm(prefix: string): Promise<TestRealm> {
  const kc = testKeycloak();
  const realm = `t-${prefix}-${randomBytes(3).toString('hex')}`;
  const representation = renderTenantRealm(realm) as Record<string, unknown>;
  const person = (username: string, roles: string[]) => ({
    username,
    enabled: true,
    emailVerified: true,
    firstName: username,
    lastName: 'Test',
    email: `${username}@${realm}.example`,
    credentials: [{ type: 'password', value: DEMO_PASSWORD, temporary: false }],
    realmRoles: roles,
  });
  representation.users = [
    person('alice', ['tenant-admin']),
    person('dave', ['devops']),
    person('dora', ['devops']),
    person('vic', ['viewer']),
    person('nora', []),
  ];
  await importRealm(kc.url, kc.bootstrapAdmin, representation);
  await grantBridgeRealmAccess(kc.url, kc.bootstrapAdmin, kc.bridgeAdmin.clientId, realm);
  return {
    realm,
    users: { admin: 'alice', devops: 'dave', devops2: 'dora', viewer: 'vic', nobody: 'nora' },
    async remove() {
      const response = await adminFetch(`/${encodeURIComponent(realm)}`, { method: 'DELETE' });
      await response.body?.cancel();
    },
  };
}

export interface TokenResponse {
  access_token: string;
  expires_in: number;
  token_type: string;
}

export async function tokenRequest(url: string, realm: string, form: Record<string, string>): Promise<Response> {
  return fetch(`${url}/realms/${encodeURIComponent(realm)}/protocol/openid-connect/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
  });
}

export async function passwordGrant(realm: string, username: string, password = DEMO_PASSWORD, clientId = 'portal'): Promise<TokenResponse> {
  const response = await tokenRequest(testKeycloak().url, realm, { grant_type: 'password', client_id: clientId, username, password });
  if (!response.ok) throw new Error(`password grant for ${username}@${realm} failed: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as TokenResponse;
}

export async function clientCredentialsGrant(url: string, realm: string, clientId: string, clientSecret: string): Promise<TokenResponse> {
  const response = await tokenRequest(url, realm, { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret });
  if (!response.ok) throw new Error(`client_credentials for ${clientId}@${realm} failed: HTTP ${response.status}`);
  return (await response.json()) as TokenResponse;
}

/** Creates a public client whose access tokens live `lifespanSeconds`, to observe expiry. */
export async function createShortLivedClient(realm: string, clientId: string, lifespanSeconds: number): Promise<void> {
  const response = await adminFetch(`/${encodeURIComponent(realm)}/clients`, {
    method: 'POST',
    body: JSON.stringify({
      clientId,
      publicClient: true,
      directAccessGrantsEnabled: true,
      standardFlowEnabled: false,
      attributes: { 'access.token.lifespan': String(lifespanSeconds) },
      // Tokens meant for the bridge carry its audience, as the realm's portal client's do.
      protocolMappers: bridgeAudienceMappers('sa-bridge'),
    }),
  });
  if (response.status !== 201) throw new Error(`creating client ${clientId} failed: HTTP ${response.status} ${await response.text()}`);
}
