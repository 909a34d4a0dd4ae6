// Realm setup configures each tenant's `portal` client for the console at PUBLIC_URL: the code flow
// with PKCE S256, the device grant, redirects and CORS for the console, and the password grant kept.
// Checked in Keycloak itself.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdminTransport } from '../../src/keycloak/admin-transport.ts';
import { createRealmSetup } from '../../src/keycloak/realm-setup.ts';
import { createServiceAccountClients } from '../../src/keycloak/service-account-clients.ts';
import { createClientCredentialsSource } from '../../src/keycloak/token-client.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { findClient } from '../support/keycloak-inspect.ts';
import { clientCredentialsGrant, createTestRealm, passwordGrant, testKeycloak, type TestRealm } from '../support/keycloak.ts';

let tenant: TestRealm;
let app: TestApp;

function realmSetup() {
  const kc = testKeycloak();
  const tokens = createClientCredentialsSource({ keycloakUrl: kc.url, realm: 'master', clientId: kc.bridgeAdmin.clientId, clientSecret: kc.bridgeAdmin.clientSecret, timeoutMs: 10_000 });
  const transport = createAdminTransport({ keycloakUrl: kc.url, tokens, timeoutMs: 10_000 });
  return createRealmSetup(transport, createServiceAccountClients(transport, { bridgeAudience: 'sa-bridge' }), { bridgeAudience: 'sa-bridge' });
}

beforeAll(async () => {
  tenant = await createTestRealm('portal');
  app = await startTestApp({ realms: [tenant.realm], env: { PUBLIC_URL: 'https://bridge.example.test' } });
});

afterAll(async () => {
  await app?.close();
  await tenant?.remove();
});

describe('portal client setup', () => {
  it('when a tenant is registered, then its portal client signs people in to the console at PUBLIC_URL and keeps the password grant', async () => {
    const portal = await findClient(tenant.realm, 'portal');
    expect(portal).toMatchObject({ publicClient: true, standardFlowEnabled: true, directAccessGrantsEnabled: true, implicitFlowEnabled: false });
    expect(portal.redirectUris).toContain('https://bridge.example.test/console/*');
    expect(portal.webOrigins).toContain('https://bridge.example.test');
    expect(portal.attributes).toMatchObject({
      'pkce.code.challenge.method': 'S256',
      'oauth2.device.authorization.grant.enabled': 'true',
      'post.logout.redirect.uris': '+',
      'sa-bridge.console-url': 'https://bridge.example.test/console',
    });
    // The template's default console URL was replaced, not kept beside it.
    expect(portal.redirectUris).not.toContain('http://127.0.0.1:3000/console/*');
    expect((await passwordGrant(tenant.realm, 'alice')).access_token).toBeTruthy();
  });

  it('when the console URL changes, then the old redirect and origin are replaced and those others configured stay', async () => {
    const kc = testKeycloak();
    const before = await findClient(tenant.realm, 'portal');
    // An operator adds a redirect of their own portal in Keycloak's admin console.
    const adminToken = (await clientCredentialsGrant(kc.url, 'master', kc.bootstrapAdmin.clientId, kc.bootstrapAdmin.clientSecret)).access_token;
    const put = await fetch(`${kc.url}/admin/realms/${tenant.realm}/clients/${before.id}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...before, redirectUris: [...before.redirectUris, 'https://portal.example.com/*'], webOrigins: [...before.webOrigins, 'https://portal.example.com'] }),
    });
    expect(put.status).toBe(204);

    expect(await realmSetup().ensurePortalClient(tenant.realm, 'http://127.0.0.1:4100/console')).toBe(true);
    const moved = await findClient(tenant.realm, 'portal');
    expect([...moved.redirectUris].sort()).toEqual(['http://127.0.0.1:4100/console/*', 'https://portal.example.com/*']);
    expect([...moved.webOrigins].sort()).toEqual(['http://127.0.0.1:4100', 'https://portal.example.com']);
    expect(moved.attributes['sa-bridge.console-url']).toBe('http://127.0.0.1:4100/console');
  });

  it('when the realm has no portal client, then realm setup says so and changes nothing', async () => {
    expect(await realmSetup().ensurePortalClient(tenant.realm, 'http://127.0.0.1:4100/console', 'no-such-client')).toBe(false);
  });
});
