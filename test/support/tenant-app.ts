// The setup most integration files share: a fresh tenant realm, the app registered on it
// (optionally behind a fault proxy to Keycloak), an optional tenant policy set by a cpi-admin,
// and, after the file, a check that no secret it handed out reached the logs or the database.
// Call it at the top of a test file; it registers its own beforeAll and afterAll.
import { afterAll, beforeAll, expect } from 'vitest';
import { apiClient, type ApiClient } from './api.ts';
import { startTestApp, type TestApp } from './app.ts';
import { startFaultProxy, type FaultProxy } from './fault-proxy.ts';
import { createTestRealm, passwordGrant, testKeycloak, type TestRealm } from './keycloak.ts';
import { expectNoSecretLeaked } from './leaks.ts';

export interface TenantAppOptions {
  env?: Record<string, string>;
  /** Put a fault proxy between the app and Keycloak (admin calls and JWKS). */
  faultProxy?: boolean;
  /** Runs after the realm exists and before the app starts (e.g. clients the tests need). */
  beforeApp?: (realm: string) => Promise<void>;
  /** A tenant policy set by root (cpi-admin of the platform realm) before the tests. */
  policy?: Record<string, unknown>;
}

export interface TenantApp {
  readonly app: TestApp;
  readonly tenant: TestRealm;
  readonly proxy: FaultProxy;
  /** Secrets and tokens the tests handed out; none may appear in logs or the database. */
  readonly secrets: string[];
  /** An API client signed in as a user of the tenant realm (or of `realm`), through the portal client. */
  as(username: string, realm?: string): Promise<ApiClient>;
}

export function useTenantApp(prefix: string, options: TenantAppOptions = {}): TenantApp {
  let app: TestApp | undefined;
  let tenant: TestRealm | undefined;
  let proxy: FaultProxy | undefined;
  const secrets: string[] = [];
  const fixture: TenantApp = {
    get app() {
      if (!app) throw new Error('the app is not started yet');
      return app;
    },
    get tenant() {
      if (!tenant) throw new Error('the realm is not created yet');
      return tenant;
    },
    get proxy() {
      if (!proxy) throw new Error('this fixture has no fault proxy');
      return proxy;
    },
    secrets,
    async as(username, realm) {
      return apiClient(fixture.app.baseUrl, (await passwordGrant(realm ?? fixture.tenant.realm, username)).access_token);
    },
  };

  beforeAll(async () => {
    tenant = await createTestRealm(prefix);
    await options.beforeApp?.(tenant.realm);
    if (options.faultProxy) proxy = await startFaultProxy(testKeycloak().url);
    app = await startTestApp({ realms: [tenant.realm], env: options.env, ...(proxy && { keycloakUrl: proxy.url }) });
    if (options.policy) {
      const policy = await (await fixture.as('root', 'platform')).patch(`/v1/tenants/${tenant.realm}/policy`, options.policy);
      expect(policy.status).toBe(200);
    }
  });

  afterAll(async () => {
    if (app && secrets.length > 0) await expectNoSecretLeaked(app, secrets);
    await app?.close();
    await proxy?.close();
    await tenant?.remove();
  });

  return fixture;
}
