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

/** Whether Keycloak has the realm. */
export async function realmExists(realm: string): Promise<boolean> {
  const response = await admin(`/${encodeURIComponent(realm)}`);
  await response.body?.cancel();
  if (response.status !== 200 && response.status !== 404) throw new Error(`read realm ${realm}: HTTP ${response.status}`);
  return response.status === 200;
}

export async function findUser(realm: string, username: string): Promise<Json | undefined> {
  const response = await admin(`/${realm}/users?username=${encodeURIComponent(username)}&exact=true`);
  return ((await response.json()) as Json[])[0];
}

/** Realm role mappings of a user, changed as an operator would in the admin console. */
export async function changeUserRealmRoles(realm: string, username: string, change: { add?: string[]; remove?: string[] }): Promise<void> {
  const user = await findUser(realm, username);
  if (!user) throw new Error(`no user ${username} in ${realm}`);
  const rolesOf = async (names: string[]) => Promise.all(names.map(async (name) => (await (await admin(`/${realm}/roles/${encodeURIComponent(name)}`)).json()) as Json));
  if (change.remove?.length) {
    const response = await admin(`/${realm}/users/${user.id}/role-mappings/realm`, { method: 'DELETE', body: JSON.stringify(await rolesOf(change.remove)) });
    if (response.status !== 204) throw new Error(`unmap roles: HTTP ${response.status}`);
  }
  if (change.add?.length) {
    const response = await admin(`/${realm}/users/${user.id}/role-mappings/realm`, { method: 'POST', body: JSON.stringify(await rolesOf(change.add)) });
    if (response.status !== 204) throw new Error(`map roles: HTTP ${response.status}`);
  }
}

export async function updateUser(realm: string, username: string, changes: Json): Promise<void> {
  const user = await findUser(realm, username);
  if (!user) throw new Error(`no user ${username} in ${realm}`);
  const response = await admin(`/${realm}/users/${user.id}`, { method: 'PUT', body: JSON.stringify(changes) });
  if (response.status !== 204) throw new Error(`update user ${username}: HTTP ${response.status}`);
}

export async function deleteUser(realm: string, username: string): Promise<void> {
  const user = await findUser(realm, username);
  if (!user) throw new Error(`no user ${username} in ${realm}`);
  const response = await admin(`/${realm}/users/${user.id}`, { method: 'DELETE' });
  if (response.status !== 204) throw new Error(`delete user ${username}: HTTP ${response.status}`);
}

/** What a person does at first sign-in with a temporary password: sets a permanent one. */
export async function setPermanentPassword(realm: string, username: string, password: string): Promise<void> {
  const user = await findUser(realm, username);
  if (!user) throw new Error(`no user ${username} in ${realm}`);
  const reset = await admin(`/${realm}/users/${user.id}/reset-password`, { method: 'PUT', body: JSON.stringify({ type: 'password', value: password, temporary: false }) });
  if (reset.status !== 204) throw new Error(`reset password: HTTP ${reset.status}`);
  await updateUser(realm, username, { requiredActions: [] });
}

/** Changes a client by hand, as an operator would in the admin console. */
export async function changeClient(realm: string, clientId: string, changes: Json): Promise<void> {
  const client = await findClient(realm, clientId);
  const response = await admin(`/${realm}/clients/${client.id}`, { method: 'PUT', body: JSON.stringify(changes) });
  if (response.status !== 204) throw new Error(`update client ${clientId}: HTTP ${response.status}`);
}

export async function addClientMapper(realm: string, clientId: string, mapper: Json): Promise<void> {
  const client = await findClient(realm, clientId);
  const response = await admin(`/${realm}/clients/${client.id}/protocol-mappers/models`, { method: 'POST', body: JSON.stringify(mapper) });
  if (response.status !== 201) throw new Error(`add mapper: HTTP ${response.status}`);
}

export async function clientMapperNames(realm: string, clientId: string): Promise<string[]> {
  const client = await findClient(realm, clientId);
  return ((await (await admin(`/${realm}/clients/${client.id}/protocol-mappers/models`)).json()) as Json[]).map((m) => m.name as string).sort();
}

/** Names of the realm's client policies. */
export async function clientPolicyNames(realm: string): Promise<string[]> {
  const body = (await (await admin(`/${realm}/client-policies/policies`)).json()) as Json;
  return ((body.policies ?? []) as Json[]).map((p) => p.name as string).sort();
}
