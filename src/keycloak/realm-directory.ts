// Which realms the bridge's admin client may manage, and whether Keycloak is ready for it.
import type RealmRepresentation from '@keycloak/keycloak-admin-client/lib/defs/realmRepresentation.js';
import { KeycloakUnavailableError } from '../errors/app-error.ts';
import type { AdminTransport } from './admin-transport.ts';

export interface RealmSummary {
  realm: string;
  displayName: string;
  enabled: boolean;
}

export type RealmDirectory = ReturnType<typeof createRealmDirectory>;

export function createRealmDirectory(keycloak: AdminTransport, options: { adminRealm: string }) {
  return {
    /** Realms the bridge's admin client may manage (Keycloak lists only those it has roles in). */
    async listManagedRealms(): Promise<RealmSummary[]> {
      const { body: realms } = await keycloak.request<RealmRepresentation[]>('list realms', 'GET', '?briefRepresentation=true');
      return realms
        .filter((r) => r.realm && r.realm !== 'master')
        .map((r) => ({ realm: r.realm as string, displayName: r.displayName || (r.realm as string), enabled: r.enabled !== false }));
    },

    /** Readiness: Keycloak answers and the bridge can still sign in. */
    async ping(): Promise<void> {
      let response: Response;
      try {
        response = await fetch(`${keycloak.keycloakUrl}/realms/${encodeURIComponent(options.adminRealm)}`, {
          signal: AbortSignal.timeout(Math.min(keycloak.timeoutMs, 3000)),
        });
      } catch (error) {
        throw new KeycloakUnavailableError('Keycloak did not answer', error);
      }
      await response.body?.cancel();
      if (!response.ok) throw new KeycloakUnavailableError(`Keycloak answered HTTP ${response.status}`);
      await keycloak.token();
    },
  };
}
