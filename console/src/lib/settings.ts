// What the bridge tells its console at /console/config.json: where Keycloak is for browsers,
// the platform realm, and the public client people sign in with.
export interface Settings {
  keycloakUrl: string;
  platformRealm: string;
  clientId: string;
}

export async function loadSettings(): Promise<Settings> {
  const response = await fetch('/console/config.json', { headers: { accept: 'application/json' } });
  if (!response.ok) throw new Error(`The bridge did not give the console its settings (HTTP ${response.status})`);
  const body = (await response.json()) as { keycloak_url: string; platform_realm: string; client_id: string };
  return { keycloakUrl: body.keycloak_url, platformRealm: body.platform_realm, clientId: body.client_id };
}
