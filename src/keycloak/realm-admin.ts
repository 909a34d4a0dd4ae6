// Realms as tenants: create one from the template, delete it, look one up; the first people of a
// new realm; and what owner-change detection reads (a user's state and effective realm roles,
// the realm's admin events). Domain verbs over the admin transport.
import type AdminEventRepresentation from '@keycloak/keycloak-admin-client/lib/defs/adminEventRepresentation.js';
import type RealmRepresentation from '@keycloak/keycloak-admin-client/lib/defs/realmRepresentation.js';
import type RoleRepresentation from '@keycloak/keycloak-admin-client/lib/defs/roleRepresentation.js';
import type UserRepresentation from '@keycloak/keycloak-admin-client/lib/defs/userRepresentation.js';
import { realmPath, type AdminTransport } from './admin-transport.ts';
import { KeycloakNotFoundError } from './keycloak-errors.ts';

export interface NewRealmUser {
  username: string;
  email?: string;
  firstName?: string;
  lastName?: string;
  realmRole: string;
  /** A temporary password (changed at first sign-in), or none: the user gets required actions. */
  temporaryPassword?: string;
  requiredActions: string[];
}

/** What the bridge knows of a user who owns service accounts. */
export type OwnerState = { state: 'deleted' } | { state: 'disabled'; realmRoles: string[] } | { state: 'enabled'; realmRoles: string[] };

export interface AdminEventSummary {
  time: Date;
  operationType: string;
  resourceType: string;
  resourcePath: string;
}

export type RealmAdmin = ReturnType<typeof createRealmAdmin>;

export function createRealmAdmin(keycloak: AdminTransport) {
  return {
    /** The realm's name and display name, or undefined when Keycloak has no such realm (or hides it). */
    async findRealm(realm: string): Promise<{ realm: string; displayName: string } | undefined> {
      try {
        const { body } = await keycloak.request<RealmRepresentation>('read realm', 'GET', realmPath(realm));
        return { realm: body.realm ?? realm, displayName: body.displayName || realm };
      } catch (error) {
        if (error instanceof KeycloakNotFoundError) return undefined;
        throw error;
      }
    },

    /**
     * Creates a realm from a full representation. Keycloak grants the creating admin client every
     * management role of the new realm (checked with 26.7: the `<realm>-realm` client's roles).
     */
    async createRealm(representation: Record<string, unknown>): Promise<void> {
      await keycloak.request('create realm', 'POST', '', representation);
    },

    /** Deletes a realm; an already missing one is fine. */
    async deleteRealm(realm: string): Promise<void> {
      try {
        await keycloak.request('delete realm', 'DELETE', realmPath(realm));
      } catch (error) {
        if (!(error instanceof KeycloakNotFoundError)) throw error;
      }
    },

    /** Creates the realm roles that are missing; returns their names. */
    async ensureRealmRoles(realm: string, roles: Array<{ name: string; description?: string }>): Promise<string[]> {
      const { body: existing } = await keycloak.request<RoleRepresentation[]>('list realm roles', 'GET', `${realmPath(realm, 'roles')}?briefRepresentation=true&max=1000`);
      const missing = roles.filter((role) => !existing.some((r) => r.name === role.name));
      for (const role of missing) await keycloak.request('create realm role', 'POST', realmPath(realm, 'roles'), role);
      return missing.map((role) => role.name);
    },

    /** Creates a client from a representation unless one with its clientId exists; true when created. */
    async ensureClient(realm: string, representation: { clientId: string } & Record<string, unknown>): Promise<boolean> {
      const { body: found } = await keycloak.request<Array<{ clientId?: string }>>(
        'find client',
        'GET',
        `${realmPath(realm, 'clients')}?clientId=${encodeURIComponent(representation.clientId)}&first=0&max=2`,
      );
      if (found.some((c) => c.clientId === representation.clientId)) return false;
      await keycloak.request('create client', 'POST', realmPath(realm, 'clients'), representation);
      return true;
    },

    async updateDisplayName(realm: string, displayName: string): Promise<void> {
      await keycloak.request('update realm', 'PUT', realmPath(realm), { displayName });
    },

    /** Creates a user holding one realm role; returns its id. */
    async createUser(realm: string, user: NewRealmUser): Promise<string> {
      const created = await keycloak.request('create user', 'POST', realmPath(realm, 'users'), {
        username: user.username,
        ...(user.email && { email: user.email }),
        ...(user.firstName && { firstName: user.firstName }),
        ...(user.lastName && { lastName: user.lastName }),
        enabled: true,
        requiredActions: user.requiredActions,
        ...(user.temporaryPassword && { credentials: [{ type: 'password', value: user.temporaryPassword, temporary: true }] }),
      } satisfies UserRepresentation);
      const id = created.location?.split('/').pop();
      if (!id) throw new Error('Keycloak created the user without a Location header');
      const { body: role } = await keycloak.request<RoleRepresentation>('find realm role', 'GET', realmPath(realm, 'roles', user.realmRole));
      await keycloak.request('map realm role', 'POST', realmPath(realm, 'users', id, 'role-mappings', 'realm'), [{ id: role.id, name: role.name }]);
      return id;
    },

    /** Asks Keycloak to e-mail the user a link for `actions`; false when it could not (no SMTP settings). */
    async sendActionsEmail(realm: string, userId: string, actions: string[]): Promise<boolean> {
      try {
        await keycloak.request('send actions e-mail', 'PUT', realmPath(realm, 'users', userId, 'execute-actions-email'), actions);
        return true;
      } catch {
        return false;
      }
    },

    /** A user's state and effective realm roles (composites and groups included). */
    async readOwner(realm: string, userId: string): Promise<OwnerState> {
      let user: UserRepresentation;
      try {
        user = (await keycloak.request<UserRepresentation>('read user', 'GET', realmPath(realm, 'users', userId))).body;
      } catch (error) {
        if (error instanceof KeycloakNotFoundError) return { state: 'deleted' };
        throw error;
      }
      const { body: roles } = await keycloak.request<RoleRepresentation[]>(
        'read effective realm roles',
        'GET',
        `${realmPath(realm, 'users', userId, 'role-mappings', 'realm', 'composite')}?briefRepresentation=true`,
      );
      const realmRoles = roles.flatMap((r) => (r.name ? [r.name] : []));
      return user.enabled === false ? { state: 'disabled', realmRoles } : { state: 'enabled', realmRoles };
    },

    /** Admin events at or after `since`, oldest first, at most `max`. */
    async listAdminEvents(realm: string, since: Date | null, max = 500): Promise<AdminEventSummary[]> {
      const query = new URLSearchParams({ first: '0', max: String(max) });
      // Keycloak filters by day only; the exact time is filtered below.
      if (since) query.set('dateFrom', since.toISOString().slice(0, 10));
      const { body } = await keycloak.request<AdminEventRepresentation[]>('list admin events', 'GET', `${realmPath(realm, 'admin-events')}?${query}`);
      return body
        .filter((e) => typeof e.time === 'number')
        .map((e) => ({ time: new Date(e.time as number), operationType: e.operationType ?? '', resourceType: e.resourceType ?? '', resourcePath: e.resourcePath ?? '' }))
        .filter((e) => !since || e.time > since)
        .sort((a, b) => a.time.getTime() - b.time.getTime());
    },
  };
}
