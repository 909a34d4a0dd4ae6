// One-time administration with a full master-realm admin (the bootstrap admin of a local
// Keycloak, or an operator's admin client for an existing one): import realms, create the
// bridge's own least-privilege admin client, and grant it management of a realm.
export interface AdminCredentials {
  realm: string;
  clientId: string;
  clientSecret: string;
}

/** The management roles the bridge needs in each realm it serves (roles of `<realm>-realm` in master). */
export const BRIDGE_REALM_ROLES = [
  'view-realm',
  'manage-realm',
  'view-clients',
  'manage-clients',
  'query-clients',
  'view-users',
  'manage-users',
  'query-users',
  'view-events',
  'manage-events',
];

export const BRIDGE_ADMIN_CLIENT_ID = 'sa-bridge-admin';

async function adminToken(url: string, admin: AdminCredentials): Promise<string> {
  const response = await fetch(`${url}/realms/${admin.realm}/protocol/openid-connect/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: admin.clientId, client_secret: admin.clientSecret }),
    signal: AbortSignal.timeout(30_000),
  });
  if (!response.ok) throw new Error(`admin sign-in as ${admin.clientId} failed: HTTP ${response.status}`);
  return ((await response.json()) as { access_token: string }).access_token;
}

function adminApi(url: string, token: string) {
  return async function call<T = unknown>(method: string, path: string, body?: unknown, okStatuses = [200, 201, 204]): Promise<{ status: number; body: T; location: string | null }> {
    const response = await fetch(`${url}/admin/realms${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(60_000),
    });
    const text = await response.text();
    if (!okStatuses.includes(response.status)) throw new Error(`Keycloak ${method} ${path}: HTTP ${response.status} ${text.slice(0, 300)}`);
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T, location: response.headers.get('location') };
  };
}

type Client = { id: string; clientId: string };
type Role = { id: string; name: string };

/** Creates the realm unless it exists. Returns true when it was created. */
export async function importRealm(url: string, admin: AdminCredentials, representation: Record<string, unknown>): Promise<boolean> {
  const call = adminApi(url, await adminToken(url, admin));
  const realm = String(representation.realm);
  const existing = await call('GET', `/${encodeURIComponent(realm)}`, undefined, [200, 404]);
  if (existing.status === 200) return false;
  await call('POST', '', representation);
  return true;
}

async function serviceAccountUserOf(call: ReturnType<typeof adminApi>, clientId: string): Promise<string> {
  const clients = (await call<Client[]>('GET', `/master/clients?clientId=${encodeURIComponent(clientId)}`)).body;
  const client = clients.find((c) => c.clientId === clientId);
  if (!client) throw new Error(`no client ${clientId} in master`);
  return (await call<{ id: string }>('GET', `/master/clients/${client.id}/service-account-user`)).body.id;
}

export async function grantBridgeRealmAccess(url: string, admin: AdminCredentials, bridgeClientId: string, realm: string): Promise<void> {
  const call = adminApi(url, await adminToken(url, admin));
  const userId = await serviceAccountUserOf(call, bridgeClientId);
  const managementClientId = `${realm}-realm`;
  const management = (await call<Client[]>('GET', `/master/clients?clientId=${encodeURIComponent(managementClientId)}`)).body.find(
    (c) => c.clientId === managementClientId,
  );
  if (!management) throw new Error(`no management client ${managementClientId} in master (is realm ${realm} there?)`);
  const roles = (await call<Role[]>('GET', `/master/clients/${management.id}/roles`)).body.filter((r) => BRIDGE_REALM_ROLES.includes(r.name));
  await call('POST', `/master/users/${userId}/role-mappings/clients/${management.id}`, roles.map((r) => ({ id: r.id, name: r.name })));
}

/**
 * Creates (or updates the secret of) the bridge's admin client in master: confidential,
 * service account only, holding `create-realm` and nothing else until realms are granted.
 */
export async function ensureBridgeAdminClient(url: string, admin: AdminCredentials, bridge: { clientId: string; clientSecret: string }): Promise<void> {
  const call = adminApi(url, await adminToken(url, admin));
  const existing = (await call<Client[]>('GET', `/master/clients?clientId=${encodeURIComponent(bridge.clientId)}`)).body.find((c) => c.clientId === bridge.clientId);
  const representation = {
    clientId: bridge.clientId,
    name: 'sa-bridge control plane',
    description: 'Admin client of sa-bridge: manages service-account clients in the realms it was granted',
    enabled: true,
    publicClient: false,
    clientAuthenticatorType: 'client-secret',
    secret: bridge.clientSecret,
    serviceAccountsEnabled: true,
    standardFlowEnabled: false,
    implicitFlowEnabled: false,
    directAccessGrantsEnabled: false,
  };
  if (existing) await call('PUT', `/master/clients/${existing.id}`, { ...representation, id: existing.id });
  else await call('POST', '/master/clients', representation);
  const userId = await serviceAccountUserOf(call, bridge.clientId);
  const createRealm = (await call<Role>('GET', '/master/roles/create-realm')).body;
  await call('POST', `/master/users/${userId}/role-mappings/realm`, [{ id: createRealm.id, name: createRealm.name }]);
}
