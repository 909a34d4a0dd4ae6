// One column of the benchmark table: four tenant realms on the Keycloak, an admin client of the
// bridge's own for them, and the bridge as its own process (`src/main.ts`, as `npm start` runs it)
// on either its embedded default database or a fresh database on DATABASE_URL's server. Tokens
// come from Keycloak through openid-client, as a portal or a workload would get them.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as oidc from 'openid-client';
import { freePort } from '../src/lib/free-port.ts';
import {
  createBridgeAdmin,
  createRealm,
  DEMO_PASSWORD,
  masterAdmin,
  startBridgeProcess,
  startDatabaseServer,
  type BridgeProcess,
  type HarnessKeycloak,
  type HarnessRealm,
} from '../test/harness/environment.ts';

export const EXCHANGE_AUDIENCE = 'billing-api';

export interface ColumnSpec {
  label: string;
  /** A PostgreSQL server to create a fresh database on; absent: the bridge's embedded default. */
  serverUrl?: string;
}

/** A token from a realm's token endpoint through openid-client. */
export async function grantToken(
  keycloakUrl: string,
  realm: string,
  grant: { clientId: string; clientSecret?: string } & ({ username: string; password: string } | { clientCredentials: true }),
): Promise<{ accessToken: string; expiresIn: number }> {
  const issuer = `${keycloakUrl}/realms/${realm}`;
  const config = new oidc.Configuration(
    { issuer, token_endpoint: `${issuer}/protocol/openid-connect/token` },
    grant.clientId,
    undefined,
    grant.clientSecret ? oidc.ClientSecretPost(grant.clientSecret) : oidc.None(),
  );
  oidc.allowInsecureRequests(config);
  const answer =
    'clientCredentials' in grant
      ? await oidc.clientCredentialsGrant(config)
      : await oidc.genericGrantRequest(config, 'password', { username: grant.username, password: grant.password });
  return { accessToken: answer.access_token, expiresIn: answer.expires_in ?? 60 };
}

export interface Column {
  spec: ColumnSpec;
  kc: HarnessKeycloak;
  realms: HarnessRealm[];
  bridge: BridgeProcess;
  /** Where the bridge's database is, for bulk rows the list benchmark inserts directly. */
  databaseUrl: string;
  admin: { clientId: string; clientSecret: string };
  inspectPort: number | undefined;
  /** alice (tenant-admin) of realms[i]. */
  userToken(i?: number): Promise<string>;
  rootToken(): Promise<string>;
  stop(): Promise<void>;
}

export async function startColumn(kc: HarnessKeycloak, spec: ColumnSpec, options: { profile: boolean; entry: 'source' | 'dist'; nodeArgs?: string[]; log: (m: string) => void }): Promise<Column> {
  const cleanups: Array<() => Promise<unknown>> = [];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((error: unknown) => options.log(`cleanup: ${String(error)}`));
  };
  try {
    const realms: HarnessRealm[] = [];
    for (let i = 0; i < 4; i += 1) {
      const realm = await createRealm(kc, 'bench');
      cleanups.push(() => realm.remove());
      realms.push(realm);
    }
    const admin = await createBridgeAdmin(kc, realms.map((r) => r.realm));
    cleanups.push(() => admin.remove());

    const environment: Record<string, string> = {
      KEYCLOAK_URL: kc.url,
      KEYCLOAK_ADMIN_CLIENT_ID: admin.clientId,
      KEYCLOAK_ADMIN_CLIENT_SECRET: admin.clientSecret,
      // Production's own level: every request is logged, and that cost is part of the figures.
      LOG_LEVEL: 'info',
      // The exchange rows measure throughput, not the per-SA limit.
      EXCHANGE_RATE_LIMIT_PER_MINUTE: '100000000',
      // Likewise the per-key limit of the API key row (the limiter still runs on every request).
      API_KEY_RATE_LIMIT_PER_MINUTE: '100000000',
      // And the per-caller limit on changes (the create rows send hundreds from one person).
      MUTATION_RATE_LIMIT_PER_MINUTE: '100000000',
    };
    let databaseUrl: string | undefined;
    if (spec.serverUrl) {
      const server = await startDatabaseServer(options.log, { url: spec.serverUrl });
      const database = await server.createDatabase();
      cleanups.push(() => server.stop(), () => database.drop());
      environment.DATABASE_URL = database.url;
      databaseUrl = database.url;
    } else {
      environment.EMBEDDED_POSTGRES_PORT = String(await freePort());
    }
    const inspectPort = options.profile ? await freePort() : undefined;
    const nodeArgs = [...(options.nodeArgs ?? []), ...(inspectPort ? [`--inspect=127.0.0.1:${inspectPort}`] : [])];
    const bridge = await startBridgeProcess(environment, { entry: options.entry, nodeArgs });
    cleanups.push(() => bridge.stop());
    if (!databaseUrl) {
      const credentials = JSON.parse(await readFile(path.join(bridge.dataDir, 'postgres', 'credentials.json'), 'utf8')) as { user: string; password: string; database: string };
      const url = new URL(`postgres://127.0.0.1:${environment.EMBEDDED_POSTGRES_PORT}/`);
      url.username = credentials.user;
      url.password = credentials.password;
      url.pathname = `/${credentials.database}`;
      databaseUrl = url.toString();
    }

    const cached = new Map<string, { token: Promise<string>; until: number }>();
    // One grant per key at a time (a burst's workers share it), renewed with two minutes to spare
    // so that a token never expires during a 60-second load.
    const cachedToken = async (key: string, get: () => Promise<{ accessToken: string; expiresIn: number }>) => {
      const hit = cached.get(key);
      if (hit && hit.until > Date.now()) return hit.token;
      const entry: { token: Promise<string>; until: number } = { token: Promise.resolve(''), until: Number.POSITIVE_INFINITY };
      entry.token = get().then((fresh) => {
        entry.until = Date.now() + (fresh.expiresIn - 120) * 1000;
        return fresh.accessToken;
      });
      entry.token.catch(() => cached.delete(key));
      cached.set(key, entry);
      return entry.token;
    };
    const column: Column = {
      spec,
      kc,
      realms,
      bridge,
      databaseUrl,
      admin,
      inspectPort,
      userToken: (i = 0) =>
        cachedToken(`alice@${i}`, () => grantToken(kc.url, realms[i]!.realm, { clientId: 'portal', username: 'alice', password: DEMO_PASSWORD })),
      rootToken: () => cachedToken('root', () => grantToken(kc.url, 'platform', { clientId: 'portal', username: 'root', password: DEMO_PASSWORD })),
      stop,
    };
    // The first tenant may exchange for one audience, with tokens that outlive a load run.
    const policy = await fetch(`${bridge.baseUrl}/v1/tenants/${realms[0]!.realm}/policy`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${await column.rootToken()}`, 'content-type': 'application/json' },
      body: JSON.stringify({ allowed_audiences: [EXCHANGE_AUDIENCE], max_access_token_ttl: 3600 }),
    });
    if (policy.status !== 200) throw new Error(`policy: HTTP ${policy.status} ${await policy.text()}`);
    return column;
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The bridge's exchange client of the realm (`sa-bridge-exchange-<deployment id>`), for the direct exchange at Keycloak. */
export async function readExchangeClient(kc: HarnessKeycloak, realm: string): Promise<{ clientId: string; clientSecret: string }> {
  const admin = masterAdmin(kc);
  const { body: clients } = await admin.request<Array<{ id: string; clientId: string }>>('find exchange client', 'GET', `/${realm}/clients?search=true&clientId=sa-bridge-exchange-`);
  const client = clients.find((c) => c.clientId.startsWith('sa-bridge-exchange-'));
  if (!client) throw new Error(`no exchange client in realm ${realm}`);
  const { body } = await admin.request<{ value: string }>('exchange client secret', 'GET', `/${realm}/clients/${client.id}/client-secret`);
  return { clientId: client.clientId, clientSecret: body.value };
}
