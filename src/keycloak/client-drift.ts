// Config drift of an SA's Keycloak client: what someone changed by hand in the admin console,
// compared with what the bridge's row says the client is, and put back. The client is the
// bridge's alone, so every mapper on it and every platform role of its service-account user is
// compared, not only the ones the bridge named.
import type ClientRepresentation from '@keycloak/keycloak-admin-client/lib/defs/clientRepresentation.js';
import type ClientScopeRepresentation from '@keycloak/keycloak-admin-client/lib/defs/clientScopeRepresentation.js';
import type ProtocolMapperRepresentation from '@keycloak/keycloak-admin-client/lib/defs/protocolMapperRepresentation.js';
import type RoleRepresentation from '@keycloak/keycloak-admin-client/lib/defs/roleRepresentation.js';
import { realmPath, type AdminTransport } from './admin-transport.ts';
import { mapperDifferences, syncOptionalScopes, syncOwnMappers, tokenMappers, type BridgeIdentity, type TokenShape } from './client-shape.ts';
import { KeycloakNotFoundError } from './keycloak-errors.ts';
import { DEPLOYMENT_ATTRIBUTE, MANAGED_MARKER, SA_ID_ATTRIBUTE } from './service-account-clients.ts';

/** What the bridge's row says the client is. */
export interface ExpectedClient {
  uuid: string;
  serviceAccountId: string;
  userId: string | null;
  enabled: boolean;
  /** The Keycloak name of the SA's role, and of every platform role (the others must not be mapped). */
  realmRole: string;
  platformRoles: string[];
  shape: TokenShape;
  /** Optional scopes the bridge manages on SA clients of this tenant (the policy's allow-list and the SA's own). */
  managedScopes: string[];
}

export type DriftResult = { state: 'missing' } | { state: 'in-sync' } | { state: 'repaired'; fields: string[] };

/** The client settings every SA client has, whatever its shape. */
function wantedSettings(expected: ExpectedClient, deploymentId: string) {
  return {
    flags: {
      enabled: expected.enabled,
      publicClient: false,
      bearerOnly: false,
      serviceAccountsEnabled: true,
      standardFlowEnabled: false,
      implicitFlowEnabled: false,
      directAccessGrantsEnabled: false,
      clientAuthenticatorType: 'client-secret',
    } as Record<string, unknown>,
    attributes: {
      'access.token.lifespan': String(expected.shape.accessTokenTtl),
      'oauth2.device.authorization.grant.enabled': 'false',
      'oidc.ciba.grant.enabled': 'false',
      'client_credentials.use_refresh_token': 'false',
      'standard.token.exchange.enabled': 'false',
      [MANAGED_MARKER]: 'true',
      [SA_ID_ATTRIBUTE]: expected.serviceAccountId,
      [DEPLOYMENT_ATTRIBUTE]: deploymentId,
    } as Record<string, string>,
  };
}

export type ClientDrift = ReturnType<typeof createClientDrift>;

export function createClientDrift(keycloak: AdminTransport, identity: BridgeIdentity) {
  return {
    /** Compares the client with `expected` and repairs what differs; a missing client is reported, never re-created. */
    async repair(realm: string, expected: ExpectedClient): Promise<DriftResult> {
      const clientPath = realmPath(realm, 'clients', expected.uuid);
      let client: ClientRepresentation;
      try {
        client = (await keycloak.request<ClientRepresentation>('read client', 'GET', clientPath)).body;
      } catch (error) {
        if (error instanceof KeycloakNotFoundError) return { state: 'missing' };
        throw error;
      }
      const fields: string[] = [];
      const wanted = wantedSettings(expected, identity.deploymentId);
      const flagChanges = Object.entries(wanted.flags).filter(([key, value]) => (client as Record<string, unknown>)[key] !== value);
      const attributeChanges = Object.entries(wanted.attributes).filter(([key, value]) => (client.attributes?.[key] ?? (value === 'false' ? 'false' : undefined)) !== value);
      if (flagChanges.length > 0 || attributeChanges.length > 0) {
        // A client made before deployment ids is stamped, which is no drift.
        const stamped = ([key]: [string, string]) => key === DEPLOYMENT_ATTRIBUTE && client.attributes?.[key] === undefined;
        fields.push(...flagChanges.map(([key]) => key), ...attributeChanges.filter((change) => !stamped(change)).map(([key]) => `attribute ${key}`));
        // Keycloak merges a partial representation: only these fields change.
        await keycloak.request('repair client', 'PUT', clientPath, {
          ...Object.fromEntries(flagChanges),
          ...(attributeChanges.length > 0 && { attributes: Object.fromEntries(attributeChanges) }),
        });
      }

      const mappers = tokenMappers(expected.shape, identity);
      const { body: currentMappers } = await keycloak.request<ProtocolMapperRepresentation[]>('list protocol mappers', 'GET', realmPath(realm, 'clients', expected.uuid, 'protocol-mappers', 'models'));
      const mapperDrift = mapperDifferences(currentMappers, mappers, '');
      if (mapperDrift.length > 0) {
        fields.push(...mapperDrift.map((name) => `mapper ${name}`));
        await syncOwnMappers(keycloak, realm, expected.uuid, mappers, '');
      }

      const optionalPath = realmPath(realm, 'clients', expected.uuid, 'optional-client-scopes');
      const { body: optional } = await keycloak.request<ClientScopeRepresentation[]>('list optional scopes', 'GET', optionalPath);
      const present = optional.flatMap((scope) => (scope.name ? [scope.name] : []));
      const scopeDrift = [
        ...expected.shape.scopes.filter((name) => !present.includes(name)),
        ...present.filter((name) => expected.managedScopes.includes(name) && !expected.shape.scopes.includes(name)),
      ];
      if (scopeDrift.length > 0) {
        fields.push(...scopeDrift.map((name) => `scope ${name}`));
        await syncOptionalScopes(keycloak, realm, expected.uuid, expected.shape.scopes, [...new Set([...expected.managedScopes, ...expected.shape.scopes])]);
      }

      if (expected.userId) {
        const rolesPath = realmPath(realm, 'users', expected.userId, 'role-mappings', 'realm');
        const { body: mapped } = await keycloak.request<RoleRepresentation[]>('read realm role mappings', 'GET', rolesPath);
        const extra = mapped.filter((role) => role.name && role.name !== expected.realmRole && expected.platformRoles.includes(role.name));
        if (extra.length > 0) {
          fields.push(...extra.map((role) => `role ${role.name}`));
          await keycloak.request('unmap realm roles', 'DELETE', rolesPath, extra.map((role) => ({ id: role.id, name: role.name })));
        }
        if (!mapped.some((role) => role.name === expected.realmRole)) {
          fields.push(`role ${expected.realmRole}`);
          const { body: role } = await keycloak.request<RoleRepresentation>('find realm role', 'GET', realmPath(realm, 'roles', expected.realmRole));
          await keycloak.request('map realm role', 'POST', rolesPath, [{ id: role.id, name: role.name }]);
        }
      }
      return fields.length > 0 ? { state: 'repaired', fields } : { state: 'in-sync' };
    },
  };
}
