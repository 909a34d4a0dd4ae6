// What every benchmark needs: a Keycloak (the local launcher on its own ports and data dir, or
// KEYCLOAK_URL with BENCH_ADMIN_CLIENT_ID/SECRET and KEYCLOAK_ADMIN_CLIENT_SECRET), a fresh
// realm with a tenant-admin, the database (a fresh embedded PostgreSQL, or DATABASE_URL) and the
// app on a free port.
import os from 'node:os';
import * as oidc from 'openid-client';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { rm } from 'node:fs/promises';
import { loadConfig, repoRoot } from '../src/config.ts';
import { openDatabase } from '../src/db/client.ts';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../src/db/embedded-postgres.ts';
import { buildAppFrom, createDependencies } from '../src/dependencies.ts';
import { resolveDeploymentId } from '../src/deployment/deployment-repository.ts';
import { grantBridgeRealmAccess, importRealm, startLocalKeycloak, type LocalKeycloak } from '../src/local-keycloak/local-server.ts';
import { renderTenantRealm } from '../src/keycloak/realm-template.ts';
import { createLogger } from '../src/logging/logger.ts';

const env = process.env;

/** A token from a realm's token endpoint through openid-client (password or client_credentials). */
export async function token(url: string, realm: string, form: Record<string, string>): Promise<string> {
  const { grant_type: grantType, client_id: clientId, client_secret: clientSecret, ...parameters } = form;
  const issuer = `${url}/realms/${realm}`;
  const config = new oidc.Configuration(
    { issuer, token_endpoint: `${issuer}/protocol/openid-connect/token` },
    clientId!,
    undefined,
    clientSecret ? oidc.ClientSecretPost(clientSecret) : oidc.None(),
  );
  oidc.allowInsecureRequests(config);
  const response = grantType === 'client_credentials' ? await oidc.clientCredentialsGrant(config) : await oidc.genericGrantRequest(config, grantType!, parameters);
  return response.access_token;
}

export async function time(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

export async function startBenchEnvironment(options: { env?: Record<string, string>; clients?: string[] } = {}) {
  let local: LocalKeycloak | undefined;
  let kcUrl: string;
  let bootstrap: { realm: 'master'; clientId: string; clientSecret: string };
  let bridge: { clientId: string; clientSecret: string };
  if (env.KEYCLOAK_URL) {
    kcUrl = env.KEYCLOAK_URL;
    bootstrap = { realm: 'master', clientId: env.BENCH_ADMIN_CLIENT_ID!, clientSecret: env.BENCH_ADMIN_CLIENT_SECRET! };
    bridge = { clientId: env.KEYCLOAK_ADMIN_CLIENT_ID ?? 'sa-bridge-admin', clientSecret: env.KEYCLOAK_ADMIN_CLIENT_SECRET! };
  } else {
    local = await startLocalKeycloak({
      port: 8280,
      managementPort: 9280,
      dataDir: path.join(repoRoot, '.data', 'bench', 'keycloak'),
      cacheDir: env.KEYCLOAK_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'sa-bridge'),
      realmsDir: path.join(repoRoot, 'keycloak-realm'),
      javaHome: env.JAVA_HOME,
      env,
      log: (m) => console.error(`[bench] ${m}`),
    });
    kcUrl = local.url;
    bootstrap = local.bootstrapAdmin;
    bridge = local.bridgeAdmin;
  }

  const realm = `bench-${randomBytes(3).toString('hex')}`;
  const representation = renderTenantRealm(realm) as Record<string, unknown>;
  representation.users = [
    {
      username: 'alice', enabled: true, emailVerified: true, firstName: 'Alice', lastName: 'Bench', email: `alice@${realm}.example`,
      credentials: [{ type: 'password', value: 'demo', temporary: false }], realmRoles: ['tenant-admin'],
    },
  ];
  representation.clients = [
    ...((representation.clients as unknown[]) ?? []),
    ...(options.clients ?? []).map((clientId) => ({ clientId, publicClient: false, standardFlowEnabled: false, directAccessGrantsEnabled: false })),
  ];
  await importRealm(kcUrl, bootstrap, representation);
  await grantBridgeRealmAccess(kcUrl, bootstrap, bridge.clientId, realm);

  const dbDir = path.join(repoRoot, '.data', 'bench', `postgres-${realm}`);
  let embedded: EmbeddedPostgres | undefined;
  if (!env.DATABASE_URL) embedded = await startEmbeddedPostgres({ dir: dbDir, env, log: (m) => console.error(`[bench] ${m}`) });
  const db = await openDatabase({ kind: 'postgres', url: env.DATABASE_URL ?? embedded!.url });
  const config = loadConfig({
    KEYCLOAK_URL: kcUrl,
    KEYCLOAK_ADMIN_CLIENT_ID: bridge.clientId,
    KEYCLOAK_ADMIN_CLIENT_SECRET: bridge.clientSecret,
    LOG_LEVEL: 'silent',
    ...options.env,
  });
  const deps = createDependencies({
    config,
    logger: createLogger('silent'),
    db,
    keycloak: { url: kcUrl, publicUrl: kcUrl, adminRealm: 'master', adminClientId: bridge.clientId, adminClientSecret: bridge.clientSecret },
    deploymentId: await resolveDeploymentId(db.prisma, config.deploymentId, async () => `bench-${realm}`),
  });
  await deps.tenants.register([{ realm, displayName: realm }]);
  const server = buildAppFrom(deps).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const userToken = await token(kcUrl, realm, { grant_type: 'password', client_id: 'portal', username: 'alice', password: 'demo' });

  return {
    kcUrl,
    realm,
    db,
    deps,
    base,
    userToken,
    bridge,
    async close() {
      server.closeAllConnections();
      server.close();
      await db.close();
      await embedded?.stop();
      await fetch(`${kcUrl}/admin/realms/${realm}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${await token(kcUrl, 'master', { grant_type: 'client_credentials', client_id: bootstrap.clientId, client_secret: bootstrap.clientSecret })}` },
      });
      await rm(dbDir, { recursive: true, force: true });
      await local?.stop();
    },
  };
}
