// Reads Keycloak's state directly (with the bootstrap admin), so tests assert what Keycloak
// really holds rather than what the bridge says it did.
import * as oidc from 'openid-client';
import { clientCredentialsGrant, realmClient, testKeycloak } from './keycloak.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

async function admin(path: string, init: RequestInit = {}): Promise<Response> {
  const kc = testKeycloak();
  const { access_token } = await clientCredentialsGrant(kc.url, 'master', kc.bootstrapAdmin.clientId, kc.bootstrapAdmin.clientSecret);
  return fetch(`${kc.url}/admin/realms${path}`, {
    ...init,
    headers: { authorization: `Bearer ${access_token}`, 'content-type': 'application/json', ...init.headers },
  });
}

export async function findClient(realm: string, clientId: string): Promise<Json | undefined> {
  const response = await admin(`/${realm}/clients?clientId=${encodeURIComponent(clientId)}`);
  const clients = (await response.json()) as Json[];
  return clients.find((c) => c.clientId === clientId);
}

export async function clientsWithPrefix(realm: string, prefix: string): Promise<Json[]> {
  const response = await admin(`/${realm}/clients?clientId=${encodeURIComponent(prefix)}&search=true&max=500`);
  return ((await response.json()) as Json[]).filter((c) => String(c.clientId).startsWith(prefix));
}

export async function serviceAccountRealmRoles(realm: string, clientUuid: string): Promise<string[]> {
  const user = (await (await admin(`/${realm}/clients/${clientUuid}/service-account-user`)).json()) as Json;
  const roles = (await (await admin(`/${realm}/users/${user.id}/role-mappings/realm`)).json()) as Json[];
  return roles.map((r) => r.name as string).sort();
}

export async function createRawClient(realm: string, representation: Json): Promise<string> {
  const response = await admin(`/${realm}/clients`, { method: 'POST', body: JSON.stringify(representation) });
  if (response.status !== 201) throw new Error(`create client: HTTP ${response.status}`);
  return response.headers.get('location')!.split('/').pop()!;
}

/** What the token endpoint says to a client_credentials grant (through openid-client): status and OAuth error. */
export async function tryClientCredentials(realm: string, clientId: string, clientSecret: string): Promise<{ status: number; error?: string; token?: string }> {
  try {
    const response = await oidc.clientCredentialsGrant(realmClient(realm, clientId, clientSecret));
    return { status: 200, token: response.access_token };
  } catch (error) {
    if (error instanceof oidc.ResponseBodyError) return { status: error.status, error: error.error };
    throw error;
  }
}

/** Deletes a client by clientId, as an operator would in the admin console. */
export async function deleteClient(realm: string, clientId: string): Promise<void> {
  const client = await findClient(realm, clientId);
  if (!client) throw new Error(`no client ${clientId} in ${realm}`);
  const response = await admin(`/${realm}/clients/${client.id}`, { method: 'DELETE' });
  if (response.status !== 204) throw new Error(`delete client ${clientId}: HTTP ${response.status}`);
}

/** How many CLIENT_LOGIN events Keycloak stored for a client (realm setup switches event storage on). */
export async function clientLoginCount(realm: string, clientId: string): Promise<number> {
  const response = await admin(`/${realm}/events?type=CLIENT_LOGIN&client=${encodeURIComponent(clientId)}&max=1000`);
  return ((await response.json()) as Json[]).length;
}
