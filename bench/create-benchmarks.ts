// Creates through the bridge against the same creates made directly at Keycloak's admin API with
// the bridge's own admin client (the same client representation, mappers and markers, the
// service-account user's role mapping and the secret read), one at a time and as a burst over
// four tenants; afterwards Keycloak and the database must agree: no orphan client, no dangling row.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { tokenMappers } from '../src/keycloak/client-shape.ts';
import { masterAdmin } from '../test/harness/environment.ts';
import { grantToken, type Column } from './bench-setup.ts';

const DIRECT_PREFIX = 'sa_direct';
// The direct clients carry a deployment id of their own, so the bridge's reconciler leaves them alone.
const DIRECT_IDENTITY = { bridgeAudience: 'sa-bridge', deploymentId: 'bench-direct' };

export interface Creator {
  direct(realm: string, name: string): Promise<void>;
  viaBridge(realmIndex: number, name: string): Promise<void>;
}

export async function creators(column: Column): Promise<Creator> {
  const kcUrl = column.kc.url;
  const adminToken = async () => (await grantToken(kcUrl, 'master', { ...column.admin, clientCredentials: true })).accessToken;
  let token = await adminToken();
  let tokenAt = Date.now();
  const admin = async (realm: string, p: string, init: RequestInit = {}) => {
    // The bridge renews its admin token before it expires; so does the direct path.
    if (Date.now() - tokenAt > 30_000) {
      token = await adminToken();
      tokenAt = Date.now();
    }
    const response = await fetch(`${kcUrl}/admin/realms/${realm}${p}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } });
    if (response.status >= 300) throw new Error(`direct ${init.method ?? 'GET'} ${p}: HTTP ${response.status} ${await response.text()}`);
    return response;
  };
  const roleIds = new Map<string, string>();
  const roleId = async (realm: string) => {
    if (!roleIds.has(realm)) roleIds.set(realm, ((await (await admin(realm, '/roles/tenant-admin')).json()) as { id: string }).id);
    return roleIds.get(realm)!;
  };
  return {
    async direct(realm, name) {
      const clientId = `sa-${name}-${randomBytes(3).toString('hex')}`;
      const created = await admin(realm, '/clients', {
        method: 'POST',
        body: JSON.stringify({
          clientId, name: clientId, description: '', protocol: 'openid-connect', enabled: true, publicClient: false, bearerOnly: false,
          clientAuthenticatorType: 'client-secret', serviceAccountsEnabled: true, standardFlowEnabled: false, implicitFlowEnabled: false,
          directAccessGrantsEnabled: false, frontchannelLogout: false, consentRequired: false,
          protocolMappers: tokenMappers({ claims: {}, audiences: [] }, DIRECT_IDENTITY),
          attributes: {
            'access.token.lifespan': '300', 'oauth2.device.authorization.grant.enabled': 'false', 'oidc.ciba.grant.enabled': 'false',
            'client_credentials.use_refresh_token': 'false', 'standard.token.exchange.enabled': 'false',
            // The markers put the client under the realm's secret-rotation policy, which Keycloak evaluates on every create.
            'sa-bridge.managed': 'true', 'sa-bridge.sa-id': `${DIRECT_PREFIX}${randomBytes(6).toString('hex')}`, 'sa-bridge.tenant': realm, 'sa-bridge.owner': 'bench',
            'sa-bridge.deployment': DIRECT_IDENTITY.deploymentId,
          },
        }),
      });
      const uuid = created.headers.get('location')!.split('/').pop()!;
      await created.body?.cancel();
      const [user] = await Promise.all([
        admin(realm, `/clients/${uuid}/service-account-user`).then((r) => r.json() as Promise<{ id: string }>),
        admin(realm, `/clients/${uuid}/client-secret`).then((r) => r.json()),
      ]);
      const mapped = await admin(realm, `/users/${user.id}/role-mappings/realm`, { method: 'POST', body: JSON.stringify([{ id: await roleId(realm), name: 'tenant-admin' }]) });
      await mapped.body?.cancel();
    },
    async viaBridge(realmIndex, name) {
      const response = await fetch(`${column.bridge.baseUrl}/v1/service-accounts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${await column.userToken(realmIndex)}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name }),
      });
      if (response.status !== 201) throw new Error(`bridge create: HTTP ${response.status} ${await response.text()}`);
      await response.json();
    },
  };
}

/** Runs `count` tasks with at most `concurrency` at once; counts failures instead of stopping. */
export async function burst(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<{ perSecond: number; errors: string[] }> {
  let next = 0;
  const errors: string[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        await task(i).catch((error: unknown) => {
          // openid-client's ResponseBodyError carries the OAuth error code and description.
          const oauth = error as { error?: string; error_description?: string };
          errors.push(`${String(error)}${oauth.error ? ` (${oauth.error}: ${oauth.error_description ?? ''})` : ''}`.slice(0, 300));
        });
      }
    }),
  );
  return { perSecond: count / ((performance.now() - started) / 1000), errors };
}

/**
 * Keycloak against the database, per tenant: a client the bridge manages with no live row is an
 * orphan; a live row with no client, or a row still provisioning, is dangling.
 */
export async function checkConsistency(column: Column): Promise<{ orphans: string[]; dangling: string[]; rows: number }> {
  const admin = masterAdmin(column.kc);
  const realms = column.realms.map((r) => r.realm);
  const db = new pg.Client({ connectionString: column.databaseUrl });
  await db.connect();
  try {
    const { rows } = await db.query<{ tenant: string; client_id: string; status: string }>('SELECT tenant, client_id, status FROM service_accounts WHERE tenant = ANY($1)', [realms]);
    const orphans: string[] = [];
    const dangling: string[] = [];
    for (const realm of realms) {
      // Keycloak 26 refuses a search by an attribute it was not told to index (400), so page through
      // the `sa-` clients as the reconciler does and read the markers.
      const clients: Array<{ clientId: string; attributes?: Record<string, string> }> = [];
      for (let first = 0; ; first += 500) {
        const { body: page } = await admin.request<typeof clients>('managed clients', 'GET', `/${realm}/clients?clientId=sa-&search=true&first=${first}&max=500`);
        clients.push(...page);
        if (page.length < 500) break;
      }
      const managed = clients.filter((c) => c.attributes?.['sa-bridge.managed'] === 'true');
      const bridgeClients = new Set(managed.filter((c) => !c.attributes?.['sa-bridge.sa-id']?.startsWith(DIRECT_PREFIX)).map((c) => c.clientId));
      const live = rows.filter((r) => r.tenant === realm && (r.status === 'active' || r.status === 'disabled'));
      const liveIds = new Set(live.map((r) => r.client_id));
      for (const clientId of bridgeClients) if (!liveIds.has(clientId)) orphans.push(`${realm}/${clientId}`);
      for (const row of live) if (!bridgeClients.has(row.client_id)) dangling.push(`${realm}/${row.client_id}`);
      for (const row of rows.filter((r) => r.tenant === realm && (r.status === 'provisioning' || r.status === 'deleting'))) dangling.push(`${realm}/${row.client_id} (${row.status})`);
    }
    return { orphans, dangling, rows: rows.length };
  } finally {
    await db.end();
  }
}
