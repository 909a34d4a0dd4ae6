import { afterEach, describe, expect, it, vi } from 'vitest';
import { createServiceTokenSource } from '../../src/keycloak/service-token.ts';

afterEach(() => vi.unstubAllGlobals());

function stubTokenEndpoint(expiresIn: number) {
  let calls = 0;
  vi.stubGlobal('fetch', async () => {
    calls += 1;
    await new Promise((r) => setTimeout(r, 5));
    return new Response(JSON.stringify({ access_token: `token-${calls}`, expires_in: expiresIn }), { status: 200 });
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
