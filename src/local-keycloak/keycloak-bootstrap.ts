// One-time administration with a full master-realm admin (the bootstrap admin of a local
// Keycloak, or an operator's admin client for an existing one): import realms, create the
// bridge's own least-privilege admin client, and grant it management of a realm.
import { createAdminTransport, type AdminTransport } from '../keycloak/admin-transport.ts';
import { KeycloakNotFoundError } from '../keycloak/keycloak-errors.ts';
import { createClientCredentialsSource } from '../keycloak/token-client.ts';

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

/**
 * The admin transport signed in as a full admin client, for one-time administration. Realm imports
 * and the first start of a fresh Keycloak are slow, hence the generous timeout.
 */
function adminTransport(url: string, admin: AdminCredentials): AdminTransport {
  return createAdminTransport({
    keycloakUrl: url,
    timeoutMs: 60_000,
    tokens: createClientCredentialsSource({ keycloakUrl: url, realm: admin.realm, clientId: admin.clientId, clientSecret: admin.clientSecret, timeoutMs: 30_000 }),
  });
}

/** The admin API as (method, path, body) calls that answer the body, for this file's one-off steps. */
function adminApi(url: string, admin: AdminCredentials) {
  const transport = adminTransport(url, admin);
  return async function call<T = unknown>(method: string, path: string, body?: unknown): Promise<{ body: T; location: string | null }> {
    return transport.request<T>(`${method} ${path}`, method, path, body);
  };
}

type Client = { id: string; clientId: string };
type Role = { id: string; name: string };

/** Creates the realm unless it exists. Returns true when it was created. */
export async function importRealm(url: string, admin: AdminCredentials, representation: Record<string, unknown>): Promise<boolean> {
  const call = adminApi(url, admin);
  const realm = String(representation.realm);
  try {
    await call('GET', `/${encodeURIComponent(realm)}`);
    return false;
  } catch (error) {
    if (!(error instanceof KeycloakNotFoundError)) throw error;
  }
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
  const call = adminApi(url, admin);
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
  const call = adminApi(url, admin);
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
