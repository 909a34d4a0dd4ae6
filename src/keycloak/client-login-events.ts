// Keycloak's CLIENT_LOGIN events (stored per realm, see realm-setup.ts), read for usage tracking.
import type EventRepresentation from '@keycloak/keycloak-admin-client/lib/defs/eventRepresentation.js';
import { realmPath, type AdminTransport } from './admin-transport.ts';

export type ClientLoginEvents = ReturnType<typeof createClientLoginEvents>;

export function createClientLoginEvents(keycloak: AdminTransport) {
  return {
    /** CLIENT_LOGIN events at or after `since`, newest first, at most `max`. */
    async listClientLogins(realm: string, since: Date | null, max = 1000): Promise<Array<{ clientId: string; time: Date }>> {
      const query = new URLSearchParams({ type: 'CLIENT_LOGIN', first: '0', max: String(max) });
      // Keycloak filters events by day only; the exact time is filtered below.
      if (since) query.set('dateFrom', since.toISOString().slice(0, 10));
      const { body: events } = await keycloak.request<EventRepresentation[]>('list client login events', 'GET', `${realmPath(realm, 'events')}?${query}`);
      return events
        .filter((e) => typeof e.clientId === 'string' && typeof e.time === 'number')
        .map((e) => ({ clientId: e.clientId as string, time: new Date(e.time as number) }))
        .filter((e) => !since || e.time > since);
    },
  };
}
