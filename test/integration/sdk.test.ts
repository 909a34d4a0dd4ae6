// The SDK (sa-bridge/client) against the real bridge and Keycloak: the typed client (errors,
// paging, safe create retries) and the workload token source (one request for many callers,
// renewal before expiry, exchange through the bridge).
import { decodeJwt } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { createSaBridgeClient, createTokenSource, ProblemError, type SaBridgeClient } from 'sa-bridge/client';
import { newServiceAccountId } from '../../src/lib/ids.ts';
import { startFaultProxy } from '../support/fault-proxy.ts';
import { clientLoginCount, createRawClient } from '../support/keycloak-inspect.ts';
import { passwordGrant } from '../support/keycloak.ts';
import { useTenantApp } from '../support/tenant-app.ts';

const fixture = useTenantApp('sdk', {
  async beforeApp(realm) {
    await createRawClient(realm, { clientId: 'billing-api', publicClient: false, standardFlowEnabled: false });
  },
  policy: { allowed_audiences: ['billing-api'], max_access_token_ttl: 3600 },
});
let client: SaBridgeClient;

beforeAll(async () => {
  const { access_token } = await passwordGrant(fixture.tenant.realm, 'alice');
  client = createSaBridgeClient({ baseUrl: fixture.app.baseUrl, token: access_token });
});

async function createAccount(name: string, body: Record<string, unknown> = {}) {
  const created = await client.serviceAccounts.create({ name, ...body });
  fixture.secrets.push(created.client_secret);
  return created;
}

describe('typed API client', () => {
  it('when the API refuses with problem+json, then a ProblemError carries its code, status, fields and request id', async () => {
    const failure = await client.serviceAccounts.create({ name: 'Not A Slug' }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ProblemError);
    expect(failure).toMatchObject({ status: 400, code: 'invalid_request', errors: [expect.objectContaining({ path: 'body.name' })] });
    expect((failure as ProblemError).instance).toMatch(/^req_/);
    await expect(client.serviceAccounts.get('sa_AAAAAAAAAAAAAAAAAAAA')).rejects.toMatchObject({ status: 404, code: 'service_account_not_found' });
  });

  it('when 250 service accounts exist, then listAll walks every page and yields each once', async () => {
    const prisma = fixture.app.deps.db.prisma;
    const base = Date.now() - 3_600_000;
    await prisma.serviceAccount.createMany({
      // Listing reads only the bridge's rows, so the rows are written directly rather than made through Keycloak.
      data: Array.from({ length: 250 }, (_, i) => ({
        id: newServiceAccountId(),
        tenant: fixture.tenant.realm,
        name: `paged-${i}`,
        clientId: `sa-paged-${i}`,
        role: 'viewer',
        status: 'active' as const,
        createdByType: 'user' as const,
        createdById: 'seed',
        createdByName: 'seed',
        createdAt: new Date(base + i * 1000),
      })),
    });
    const seen: string[] = [];
    for await (const account of client.serviceAccounts.listAll({ q: 'paged-', limit: 37 })) seen.push(account.name);
    expect(seen).toHaveLength(250);
    expect(new Set(seen).size).toBe(250);
    expect(seen[0]).toBe('paged-249');
    expect(seen.at(-1)).toBe('paged-0');
  });

  it('when the answer to a create is lost on the way back, then the retry with the same Idempotency-Key replays it and one SA exists', async () => {
    const proxy = await startFaultProxy(fixture.app.baseUrl);
    try {
      const { access_token } = await passwordGrant(fixture.tenant.realm, 'alice');
      const viaProxy = createSaBridgeClient({ baseUrl: proxy.url, token: access_token, baseDelayMs: 50 });
      proxy.add({ match: (method, path) => method === 'POST' && path.startsWith('/v1/service-accounts'), mode: 'lose-answer', times: 1 });
      const created = await viaProxy.serviceAccounts.create({ name: 'lost-answer' });
      fixture.secrets.push(created.client_secret);
      expect(proxy.seen.filter((line) => line.startsWith('POST /v1/service-accounts'))).toHaveLength(2);
      expect(await fixture.app.deps.db.prisma.serviceAccount.count({ where: { tenant: fixture.tenant.realm, name: 'lost-answer' } })).toBe(1);
    } finally {
      await proxy.close();
    }
  });

  it('when the bridge answers 503 with Retry-After, then a read is retried and succeeds', async () => {
    const proxy = await startFaultProxy(fixture.app.baseUrl);
    try {
      const { access_token } = await passwordGrant(fixture.tenant.realm, 'alice');
      const viaProxy = createSaBridgeClient({ baseUrl: proxy.url, token: access_token });
      proxy.add({ match: (method, path) => method === 'GET' && path === '/v1/me', mode: 'unavailable', times: 2 });
      const started = Date.now();
      expect((await viaProxy.me()).tenant).toBe(fixture.tenant.realm);
      expect(proxy.seen.filter((line) => line === 'GET /v1/me')).toHaveLength(3);
      expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
    } finally {
      await proxy.close();
    }
  });
});

describe('workload token source', () => {
  it('when 100 callers ask at once, then Keycloak sees one client_credentials request', async () => {
    const sa = await createAccount('many-callers');
    const source = createTokenSource({ issuer: sa.issuer, clientId: sa.client_id, clientSecret: sa.client_secret });
    const tokens = await Promise.all(Array.from({ length: 100 }, () => source.getToken()));
    expect(new Set(tokens).size).toBe(1);
    fixture.secrets.push(tokens[0]!);
    expect(decodeJwt(tokens[0]!)).toMatchObject({ azp: sa.client_id });
    expect(await clientLoginCount(fixture.tenant.realm, sa.client_id)).toBe(1);
  });

  it('when a token reaches its renewal point, then a new one is fetched before the old one expires', async () => {
    const sa = await createAccount('short-tokens', { access_token_ttl: 10 });
    const source = createTokenSource({ issuer: sa.issuer, clientId: sa.client_id, clientSecret: sa.client_secret, refreshAt: 0.5, jitter: 0 });
    const first = await source.getIssuedToken();
    expect(first.expiresAt - Date.now()).toBeLessThanOrEqual(10_000);
    expect(await source.getToken()).toBe(first.accessToken);
    await new Promise((resolve) => setTimeout(resolve, 5_500));
    const second = await source.getIssuedToken();
    expect(second.accessToken).not.toBe(first.accessToken);
    expect(Date.now()).toBeLessThan(first.expiresAt);
    fixture.secrets.push(first.accessToken, second.accessToken);
    expect(await clientLoginCount(fixture.tenant.realm, sa.client_id)).toBe(2);
  });

  it('when the workload exchanges its token for an allowed audience, then the bridge returns a token for it', async () => {
    const sa = await createAccount('exchanger');
    const source = createTokenSource({ issuer: sa.issuer, clientId: sa.client_id, clientSecret: sa.client_secret, bridgeUrl: fixture.app.baseUrl });
    const exchanged = await source.exchange({ audience: 'billing-api' });
    fixture.secrets.push(exchanged.accessToken);
    expect(decodeJwt(exchanged.accessToken)).toMatchObject({ aud: 'billing-api', azp: `sa-bridge-exchange-${fixture.app.deps.deploymentId}` });
    await expect(source.exchange({ audience: 'payroll-api' })).rejects.toMatchObject({ error: 'invalid_target' });
  });

  it('when the secret is wrong, then an OAuthError, not retried', async () => {
    const sa = await createAccount('wrong-secret');
    const source = createTokenSource({ issuer: sa.issuer, clientId: sa.client_id, clientSecret: 'not-the-secret' });
    await expect(source.getToken()).rejects.toMatchObject({ name: 'OAuthError', status: 401 });
  });
});
