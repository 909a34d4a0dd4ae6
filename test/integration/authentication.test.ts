import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { createShortLivedClient, createTestRealm, passwordGrant, testKeycloak, type TestRealm } from '../support/keycloak.ts';
import { freePort } from '../support/free-port.ts';
import { readJson } from '../support/http.ts';
import { startFaultProxy } from '../support/fault-proxy.ts';

let app: TestApp;
let tenant: TestRealm;
let unregistered: TestRealm;

beforeAll(async () => {
  [tenant, unregistered] = await Promise.all([createTestRealm('auth'), createTestRealm('unknown')]);
  await createShortLivedClient(tenant.realm, 'short-lived', 1);
  app = await startTestApp({ realms: ['acme', 'globex', tenant.realm], env: { TOKEN_CLOCK_TOLERANCE_S: '0' } });
});

afterAll(async () => {
  await app?.close();
  await Promise.all([tenant?.remove(), unregistered?.remove()]);
});

async function me(token?: string, raw?: string) {
  const headers: Record<string, string> = {};
  if (raw !== undefined) headers.authorization = raw;
  else if (token) headers.authorization = `Bearer ${token}`;
  return fetch(`${app.baseUrl}/v1/me`, { headers });
}

async function expectUnauthorized(response: Response, detail: RegExp) {
  expect(response.status).toBe(401);
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
  const body = await readJson(response);
  expect(body).toMatchObject({ status: 401, code: 'invalid_token', title: expect.any(String), type: expect.stringContaining('invalid-token') });
  expect(body.detail).toMatch(detail);
  expect(body.instance).toBe(response.headers.get('x-request-id'));
  return body;
}

describe('GET /v1/me with the demo realms', () => {
  it.each([
    ['acme', 'alice', 'tenant-admin'],
    ['acme', 'dave', 'devops'],
    ['acme', 'vic', 'viewer'],
    ['globex', 'gina', 'tenant-admin'],
    ['platform', 'root', 'cpi-admin'],
  ])('when %s/%s calls with a portal token, then the tenant is %s and the role is %s', async (realm, user, role) => {
    const { access_token } = await passwordGrant(realm, user);
    const response = await me(access_token);
    expect(response.status).toBe(200);
    const body = await readJson(response);
    expect(body).toMatchObject({ tenant: realm, role, actor: { type: 'user', name: user }, client_id: 'portal' });
    expect(body.actor.id).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('GET /v1/me in a fresh realm', () => {
  it('when a user holds no platform role, then the role is null', async () => {
    const { access_token } = await passwordGrant(tenant.realm, tenant.users.nobody);
    const body = await readJson(await me(access_token));
    expect(body).toMatchObject({ tenant: tenant.realm, role: null, actor: { type: 'user', name: 'nora' } });
  });
});

describe('authentication failures', () => {
  it('when no token is sent, then 401 problem+json with a bare Bearer challenge', async () => {
    const response = await me();
    await expectUnauthorized(response, /Bearer access token is required/);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('when the Authorization header is not Bearer, then 401', async () => {
    await expectUnauthorized(await me(undefined, 'Basic YWxpY2U6ZGVtbw=='), /must be "Bearer/);
  });

  it('when the token is malformed, then 401 with error="invalid_token"', async () => {
    const response = await me('not.a.jwt');
    await expectUnauthorized(response, /malformed/);
    expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('when a genuine token is sent with characters a JWT cannot hold, or with an empty credential, then 401 and the bare token still works', async () => {
    const { access_token } = await passwordGrant(tenant.realm, tenant.users.admin);
    // First the genuine token, so that the verifier remembers it: the altered ones are still refused.
    expect((await me(access_token)).status).toBe(200);
    for (const altered of [`${access_token} x`, `${access_token}=`, `${access_token}.`, access_token.replace('.', '+.')]) {
      await expectUnauthorized(await me(altered), /malformed/);
    }
    await expectUnauthorized(await me(undefined, 'Bearer    '), /must be "Bearer/);
    expect((await me(access_token)).status).toBe(200);
  });

  it('when the token is signed by another key, then 401', async () => {
    const kc = testKeycloak();
    const real = await passwordGrant(tenant.realm, tenant.users.admin);
    const header = JSON.parse(Buffer.from(real.access_token.split('.')[0]!, 'base64url').toString());
    const claims = JSON.parse(Buffer.from(real.access_token.split('.')[1]!, 'base64url').toString());
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    expect((await exportJWK(publicKey)).kty).toBe('RSA');
    // Same kid and claims as a genuine token: only the signature differs.
    const forged = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: header.kid, typ: 'JWT' }).sign(privateKey);
    expect(claims.iss).toBe(`${kc.url}/realms/${tenant.realm}`);
    await expectUnauthorized(await me(forged), /signature is not valid/);
    // And with an unknown kid, the realm's JWKS has no matching key.
    const otherKid = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'attacker' }).sign(privateKey);
    await expectUnauthorized(await me(otherKid), /key this realm does not publish/);
  });

  it('when the token has expired, then 401 saying so', async () => {
    const { access_token, expires_in } = await passwordGrant(tenant.realm, tenant.users.admin, undefined, 'short-lived');
    expect(expires_in).toBe(1);
    // Not asked before it expires: Keycloak's exp has one-second resolution, so a one-second token can
    // be expired by the time a loaded machine sends it. The message says why it is refused.
    await new Promise((resolve) => setTimeout(resolve, 2100));
    await expectUnauthorized(await me(access_token), /expired/);
  });

  it('when a token was accepted and then expires, then the next call is refused (verified tokens are remembered only until exp)', async () => {
    for (let attempt = 1; ; attempt += 1) {
      const { access_token } = await passwordGrant(tenant.realm, tenant.users.admin, undefined, 'short-lived');
      const first = await me(access_token);
      // A one-second token can expire before its first use on a loaded machine: take another.
      if (first.status === 401 && attempt < 5) continue;
      expect(first.status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 2100));
      await expectUnauthorized(await me(access_token), /expired/);
      return;
    }
  });

  it('when the token comes from a realm the bridge does not know, then 401', async () => {
    const { access_token } = await passwordGrant(unregistered.realm, unregistered.users.admin);
    await expectUnauthorized(await me(access_token), /realm this bridge does not know/);
  });

  it('when the token names an issuer outside the configured Keycloak, then 401 without fetching its keys', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const foreign = await new SignJWT({ sub: 'x', typ: 'Bearer' })
      .setProtectedHeader({ alg: 'RS256' })
      .setIssuer('https://evil.example/realms/acme')
      .setExpirationTime('5m')
      .sign(privateKey);
    await expectUnauthorized(await me(foreign), /not issued by the configured Keycloak/);
  });
});

describe('when Keycloak cannot give the signing keys', () => {
  it('when the JWKS answers 503, then the caller gets 503 keycloak_unavailable with Retry-After, not a 401 that blames the token', async () => {
    const proxy = await startFaultProxy(testKeycloak().url);
    const keyless = await startTestApp({ realms: [tenant.realm], keycloakUrl: proxy.url });
    try {
      proxy.add({ match: (_method, path) => path.endsWith('/protocol/openid-connect/certs'), mode: 'unavailable' });
      const { access_token } = await passwordGrant(tenant.realm, 'alice');
      const response = await fetch(`${keyless.baseUrl}/v1/me`, { headers: { authorization: `Bearer ${access_token}` } });
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(await readJson(response)).toMatchObject({ code: 'keycloak_unavailable' });
      proxy.clear();
      expect((await fetch(`${keyless.baseUrl}/v1/me`, { headers: { authorization: `Bearer ${access_token}` } })).status).toBe(200);
    } finally {
      await keyless.close();
      await proxy.close();
    }
  });
});

describe('health', () => {
  it('when the database and Keycloak answer, then /healthz and /readyz are 200', async () => {
    expect((await fetch(`${app.baseUrl}/healthz`)).status).toBe(200);
    const ready = await fetch(`${app.baseUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await readJson(ready)).toEqual({ status: 'ready', checks: { database: 'up', keycloak: 'up' } });
  });

  it('when Keycloak cannot be reached, then /readyz is 503 naming keycloak down', async () => {
    const port = await freePort();
    const broken = await startTestApp({ realms: [], keycloakUrl: `http://127.0.0.1:${port}` });
    try {
      const response = await fetch(`${broken.baseUrl}/readyz`);
      expect(response.status).toBe(503);
      expect(await readJson(response)).toEqual({ status: 'not_ready', checks: { database: 'up', keycloak: 'down' } });
    } finally {
      await broken.close();
    }
  });

  it('when a route does not exist, then 404 problem+json', async () => {
    const response = await fetch(`${app.baseUrl}/nope`);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await readJson(response)).toMatchObject({ status: 404, code: 'not_found' });
  });
});
