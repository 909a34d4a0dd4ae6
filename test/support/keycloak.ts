// Test-side Keycloak helpers: a fresh realm per test file (from the tenant template, with one
// user per role), and the token grants a person or a workload would use.
import { randomBytes } from 'node:crypto';
import * as oidc from 'openid-client';
import { inject } from 'vitest';
import { grantBridgeRealmAccess, importRealm } from '../../src/local-keycloak/local-server.ts';
import { bridgeAudienceMappers } from '../../src/keycloak/client-shape.ts';
import { renderTenantRealm } from '../../src/keycloak/realm-template.ts';
import { createAdminTransport } from '../../src/keycloak/admin-transport.ts';
import { createRealmSetup } from '../../src/keycloak/realm-setup.ts';
import { createServiceAccountClients } from '../../src/keycloak/service-account-clients.ts';
import { createClientCredentialsSource } from '../../src/keycloak/token-client.ts';

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

/**
 * Creates a realm from the tenant template with users, and lets the bridge manage it. With
 * `operator`, it also has `root` holding cpi-admin: a platform realm of its own for a test that
 * sets PLATFORM_REALM to it.
 */
export async function createTestRealm(prefix: string, options: { operator?: boolean } = {}): Promise<TestRealm> {
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
    ...(options.operator ? [person('root', ['cpi-admin'])] : []),
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

/**
 * openid-client, a client nobody here wrote, against a realm's token endpoint: the grants a person
 * (the portal's password grant, for the demo) or a workload (client_credentials) makes.
 */
export function realmClient(realm: string, clientId: string, clientSecret?: string, url = testKeycloak().url): oidc.Configuration {
  const issuer = `${url}/realms/${encodeURIComponent(realm)}`;
  const config = new oidc.Configuration(
    { issuer, token_endpoint: `${issuer}/protocol/openid-connect/token` },
    clientId,
    undefined,
    clientSecret === undefined ? oidc.None() : oidc.ClientSecretPost(clientSecret),
  );
  oidc.allowInsecureRequests(config);
  return config;
}

export async function passwordGrant(realm: string, username: string, password = DEMO_PASSWORD, clientId = 'portal'): Promise<TokenResponse> {
  // Keycloak 26 refuses a login for a user while another login of the same user is in flight when
  // brute-force protection is on (its upgrade notes: "concurrent login requests are blocked by
  // default"; the event is user_temporarily_disabled, the answer a plain invalid_grant). Test
  // files run in parallel and several sign in as root at once, so an invalid_grant is retried a
  // few times before it counts.
  for (let attempt = 1; ; attempt += 1) {
    try {
      return toTokenResponse(await oidc.genericGrantRequest(realmClient(realm, clientId), 'password', { username, password }));
    } catch (error) {
      const refused = (error as { error?: string }).error === 'invalid_grant';
      if (refused && attempt < 4) {
        await new Promise((resolve) => setTimeout(resolve, 300 * attempt));
        continue;
      }
      throw new Error(`password grant for ${username}@${realm} failed: ${describeGrantFailure(error)}`);
    }
  }
}

export async function clientCredentialsGrant(url: string, realm: string, clientId: string, clientSecret: string): Promise<TokenResponse> {
  try {
    return toTokenResponse(await oidc.clientCredentialsGrant(realmClient(realm, clientId, clientSecret, url)));
  } catch (error) {
    throw new Error(`client_credentials for ${clientId}@${realm} failed: ${describeGrantFailure(error)}`);
  }
}

function toTokenResponse(response: oidc.TokenEndpointResponse): TokenResponse {
  return { access_token: response.access_token, expires_in: response.expires_in ?? 0, token_type: response.token_type };
}

export function describeGrantFailure(error: unknown): string {
  return error instanceof oidc.ResponseBodyError ? `HTTP ${error.status} ${error.error}` : String(error);
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
      protocolMappers: bridgeAudienceMappers({ bridgeAudience: 'sa-bridge', deploymentId: 'test' }),
    }),
  });
  if (response.status !== 201) throw new Error(`creating client ${clientId} failed: HTTP ${response.status} ${await response.text()}`);
}

/** The bridge's realm setup, signed in as the bridge's admin client: for steps a test takes itself. */
export function bridgeRealmSetup(deploymentId = 'test') {
  const kc = testKeycloak();
  const tokens = createClientCredentialsSource({ keycloakUrl: kc.url, realm: 'master', clientId: kc.bridgeAdmin.clientId, clientSecret: kc.bridgeAdmin.clientSecret, timeoutMs: 10_000 });
  const transport = createAdminTransport({ keycloakUrl: kc.url, tokens, timeoutMs: 10_000 });
  const identity = { bridgeAudience: 'sa-bridge', deploymentId };
  return createRealmSetup(transport, createServiceAccountClients(transport, identity), identity);
}

/** Replaces a client's representation as an operator would in the admin console (e.g. to restore it). */
export async function putClient(realm: string, representation: { id: string } & Record<string, unknown>): Promise<void> {
  const response = await adminFetch(`/${encodeURIComponent(realm)}/clients/${representation.id}`, { method: 'PUT', body: JSON.stringify(representation) });
  if (response.status !== 204) throw new Error(`updating client ${String(representation.clientId)} failed: HTTP ${response.status} ${await response.text()}`);
}
