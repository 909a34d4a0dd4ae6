// Realm setup configures each tenant's `portal` client for the console at PUBLIC_URL: the code flow
// with PKCE S256, the device grant, redirects and CORS for the console, and the password grant kept.
// Checked in Keycloak itself.
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { findClient } from '../support/keycloak-inspect.ts';
import { bridgeRealmSetup, createTestRealm, passwordGrant, putClient, testKeycloak, type TestRealm } from '../support/keycloak.ts';

let tenant: TestRealm;
let app: TestApp;

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

  it('when a CLI starts the device authorization grant with PKCE S256, then Keycloak answers a user code; without PKCE it refuses', async () => {
    const endpoint = `${testKeycloak().url}/realms/${tenant.realm}/protocol/openid-connect/auth/device`;
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const started = await fetch(endpoint, { method: 'POST', body: new URLSearchParams({ client_id: 'portal', code_challenge: challenge, code_challenge_method: 'S256' }) });
    expect(started.status).toBe(200);
    expect(await started.json()).toMatchObject({ device_code: expect.any(String), user_code: expect.any(String), verification_uri: expect.any(String) });
    const withoutPkce = await fetch(endpoint, { method: 'POST', body: new URLSearchParams({ client_id: 'portal' }) });
    expect([withoutPkce.status, ((await withoutPkce.json()) as { error: string }).error]).toEqual([400, 'invalid_request']);
  });

  it('when the console URL changes, then the old redirect and origin are replaced and those others configured stay', async () => {
    const before = await findClient(tenant.realm, 'portal');
    // An operator adds a redirect of their own portal in Keycloak's admin console.
    await putClient(tenant.realm, { ...before, redirectUris: [...before.redirectUris, 'https://portal.example.com/*'], webOrigins: [...before.webOrigins, 'https://portal.example.com'] });

    expect(await bridgeRealmSetup().ensurePortalClient(tenant.realm, 'http://127.0.0.1:4100/console')).toBe(true);
    const moved = await findClient(tenant.realm, 'portal');
    expect([...moved.redirectUris].sort()).toEqual(['http://127.0.0.1:4100/console/*', 'https://portal.example.com/*']);
    expect([...moved.webOrigins].sort()).toEqual(['http://127.0.0.1:4100', 'https://portal.example.com']);
    expect(moved.attributes['sa-bridge.console-url']).toBe('http://127.0.0.1:4100/console');
  });

  it('when the realm has no portal client, then realm setup says so and changes nothing', async () => {
    expect(await bridgeRealmSetup().ensurePortalClient(tenant.realm, 'http://127.0.0.1:4100/console', 'no-such-client')).toBe(false);
  });
});
