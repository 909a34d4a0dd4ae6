import { afterEach, describe, expect, it, vi } from 'vitest';
import { KeycloakUnavailableError } from '../../src/errors/app-error.ts';
import { KeycloakPermissionError } from '../../src/keycloak/keycloak-errors.ts';
import { createClientCredentialsSource as createServiceTokenSource, requestTokenExchange, realmTokenConfiguration } from '../../src/keycloak/token-client.ts';

afterEach(() => vi.unstubAllGlobals());

function stubTokenEndpoint(expiresIn: number) {
  let calls = 0;
  vi.stubGlobal('fetch', async () => {
    calls += 1;
    await new Promise((r) => setTimeout(r, 5));
    // What a token endpoint answers (RFC 6749 5.1); openid-client checks token_type and the media type.
    return new Response(JSON.stringify({ access_token: `token-${calls}`, token_type: 'Bearer', expires_in: expiresIn }), {
      status: 200,
      headers: { 'content-type': 'application/json' },
    });
  });
  return () => calls;
}

describe('service token source', () => {
  it('when many callers ask at once, then one token request is made and shared', async () => {
    const calls = stubTokenEndpoint(300);
    const source = createServiceTokenSource({ keycloakUrl: 'http://kc', realm: 'master', clientId: 'c', clientSecret: 's', timeoutMs: 1000 });
    const tokens = await Promise.all(Array.from({ length: 20 }, () => source.getToken()));
    expect(new Set(tokens)).toEqual(new Set(['token-1']));
    expect(calls()).toBe(1);
  });

  it('when the token nears expiry, then a new one is fetched', async () => {
    const calls = stubTokenEndpoint(60);
    let now = 0;
    const source = createServiceTokenSource({ keycloakUrl: 'http://kc', realm: 'master', clientId: 'c', clientSecret: 's', timeoutMs: 1000, now: () => now });
    expect(await source.getToken()).toBe('token-1');
    now = 29_000;
    expect(await source.getToken()).toBe('token-1');
    now = 31_000;
    expect(await source.getToken()).toBe('token-2');
    expect(calls()).toBe(2);
  });
});

describe('token client failures and the exchange grant', () => {
  const source = () => createServiceTokenSource({ keycloakUrl: 'http://kc', realm: 'master', clientId: 'c', clientSecret: 's', timeoutMs: 1000 });
  const answer = (status: number, body: unknown) => vi.stubGlobal('fetch', async () => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } }));

  it('when Keycloak refuses the credentials, then a permission error that no retry cures', async () => {
    answer(401, { error: 'unauthorized_client', error_description: 'Invalid client or Invalid client credentials' });
    await expect(source().getToken()).rejects.toBeInstanceOf(KeycloakPermissionError);
  });

  it('when the token endpoint fails or cannot be reached, then Keycloak is unavailable', async () => {
    answer(503, { error: 'temporarily_unavailable' });
    await expect(source().getToken()).rejects.toBeInstanceOf(KeycloakUnavailableError);
    vi.stubGlobal('fetch', async () => {
      throw new TypeError('fetch failed');
    });
    await expect(source().getToken()).rejects.toBeInstanceOf(KeycloakUnavailableError);
  });

  it('when a token is invalidated, then the next caller fetches a new one', async () => {
    const calls = stubTokenEndpoint(300);
    const tokens = source();
    expect(await tokens.getToken()).toBe('token-1');
    tokens.invalidate();
    expect(await tokens.getToken()).toBe('token-2');
    expect(calls()).toBe(2);
  });

  it('when an exchange is asked for, then the RFC 8693 form goes out and the issued token comes back', async () => {
    let sent: URLSearchParams | undefined;
    vi.stubGlobal('fetch', async (_url: string, init: RequestInit) => {
      sent = new URLSearchParams(String(init.body));
      const body = { access_token: 'exchanged', token_type: 'Bearer', expires_in: 300, issued_token_type: 'urn:ietf:params:oauth:token-type:access_token' };
      return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
    });
    const config = realmTokenConfiguration('http://kc', 'acme', 'sa-bridge-exchange', 'x', 1000);
    const result = await requestTokenExchange(config, { subjectToken: 'subject', audiences: ['a', 'b'], scopes: ['s1', 's2'] });
    expect(result).toEqual({ ok: true, response: { access_token: 'exchanged', token_type: 'Bearer', expires_in: 300, issued_token_type: 'urn:ietf:params:oauth:token-type:access_token' } });
    expect(sent?.get('grant_type')).toBe('urn:ietf:params:oauth:grant-type:token-exchange');
    expect(sent?.getAll('audience')).toEqual(['a', 'b']);
    expect(sent?.get('scope')).toBe('s1 s2');
    expect(sent?.get('client_id')).toBe('sa-bridge-exchange');
  });

  it('when Keycloak refuses an exchange, then its OAuth error comes back to be mapped', async () => {
    answer(400, { error: 'invalid_client', error_description: 'Audience not found' });
    const config = realmTokenConfiguration('http://kc', 'acme', 'sa-bridge-exchange', 'x', 1000);
    expect(await requestTokenExchange(config, { subjectToken: 't', audiences: ['nope'], scopes: [] })).toEqual({
      ok: false,
      status: 400,
      error: 'invalid_client',
      error_description: 'Audience not found',
    });
  });
});
