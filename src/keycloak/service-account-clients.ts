// Service accounts in Keycloak: one confidential client per SA that can only use the
// client_credentials grant, its service-account user with one realm role, its secret (with
// Keycloak's own rotation), and its token shape. Domain verbs over the admin transport.
import type ClientRepresentation from '@keycloak/keycloak-admin-client/lib/defs/clientRepresentation.js';
import { realmPath, type AdminTransport } from './admin-transport.ts';
import {
  addOptionalScopes,
  ensureClientScopes,
  keycloakDescription,
  syncOptionalScopes,
  syncOwnMappers,
  tokenMappers,
  type BridgeIdentity,
  type TokenShape,
} from './client-shape.ts';
import { KeycloakNotFoundError } from './keycloak-errors.ts';

/** Attributes that mark a Keycloak client as managed by sa-bridge (the reconciler looks for them). */
export const MANAGED_MARKER = 'sa-bridge.managed';
export const SA_ID_ATTRIBUTE = 'sa-bridge.sa-id';
/** The deployment that manages the client; clients of other deployments are never touched. */
export const DEPLOYMENT_ATTRIBUTE = 'sa-bridge.deployment';

export interface ServiceAccountClientSpec {
  clientId: string;
  serviceAccountId: string;
  tenant: string;
  ownerId: string;
  description: string | null;
  shape: TokenShape;
}

export interface ManagedClient {
  uuid: string;
  clientId: string;
  serviceAccountId: string | undefined;
  /** Absent on clients made before deployment ids existed. */
  deploymentId: string | undefined;
}

/** The secrets a client holds, as Keycloak's secret rotation keeps them; times in epoch seconds. */
export interface ClientSecrets {
  current: string;
  createdAt: number | undefined;
  /** The previous secret, while Keycloak still accepts it. */
  rotated: { secret: string; expiresAt: number } | undefined;
}

export type ServiceAccountClients = ReturnType<typeof createServiceAccountClients>;

export function createServiceAccountClients(keycloak: AdminTransport, options: BridgeIdentity) {
  const client = (realm: string, uuid: string, ...rest: string[]) => realmPath(realm, 'clients', uuid, ...rest);
  // Realm role ids are stable for a role's lifetime, so they are cached; a stale id is refetched.
  const roleIds = new Map<string, string>();

  async function findClientByClientId(realm: string, clientId: string): Promise<ManagedClient | undefined> {
    const { body } = await keycloak.request<ClientRepresentation[]>('find client', 'GET', `${realmPath(realm, 'clients')}?clientId=${encodeURIComponent(clientId)}&first=0&max=2`);
    const found = body.find((candidate) => candidate.clientId === clientId);
    return found?.id ? toManagedClient(found) : undefined;
  }

  async function regenerateSecret(realm: string, clientUuid: string): Promise<string> {
    const { body } = await keycloak.request<{ value?: string }>('regenerate client secret', 'POST', client(realm, clientUuid, 'client-secret'));
    if (!body?.value) throw new Error('Keycloak returned no client secret');
    return body.value;
  }

  async function invalidatePreviousSecret(realm: string, clientUuid: string): Promise<void> {
    await keycloak.request('invalidate rotated secret', 'DELETE', client(realm, clientUuid, 'client-secret', 'rotated'));
  }

  async function updateAttributes(operation: string, realm: string, clientUuid: string, attributes: Record<string, string>): Promise<void> {
    await keycloak.request(operation, 'PUT', client(realm, clientUuid), { attributes });
  }

  return {
    findClientByClientId,
    invalidatePreviousSecret,

    /**
     * A confidential client that can only use client_credentials: every user-facing flow is off,
     * and no refresh token is issued for the grant. Returns the client's internal id.
     */
    async createServiceAccountClient(realm: string, spec: ServiceAccountClientSpec): Promise<string> {
      const created = await keycloak.request('create client', 'POST', realmPath(realm, 'clients'), {
        clientId: spec.clientId,
        name: spec.clientId,
        description: keycloakDescription(spec.description),
        protocol: 'openid-connect',
        enabled: true,
        publicClient: false,
        bearerOnly: false,
        clientAuthenticatorType: 'client-secret',
        serviceAccountsEnabled: true,
        standardFlowEnabled: false,
        implicitFlowEnabled: false,
        directAccessGrantsEnabled: false,
        frontchannelLogout: false,
        consentRequired: false,
        // Token shape at creation: lifetime and mappers in the same call. Optional scopes are added
        // afterwards (addOptionalScopes): naming any scope in this representation replaces the
        // realm's default client scopes, and tokens then lose `roles` (realm_access) and `profile`.
        protocolMappers: tokenMappers(spec.shape, options),
        attributes: {
          'access.token.lifespan': String(spec.shape.accessTokenTtl),
          'oauth2.device.authorization.grant.enabled': 'false',
          'oidc.ciba.grant.enabled': 'false',
          'client_credentials.use_refresh_token': 'false',
          'standard.token.exchange.enabled': 'false',
          [MANAGED_MARKER]: 'true',
          [SA_ID_ATTRIBUTE]: spec.serviceAccountId,
          [DEPLOYMENT_ATTRIBUTE]: options.deploymentId,
          'sa-bridge.tenant': spec.tenant,
          'sa-bridge.owner': spec.ownerId,
        },
      } satisfies ClientRepresentation);
      const id = created.location?.split('/').pop();
      if (!id) throw new Error('Keycloak created the client without a Location header');
      return id;
    },

    /** The realm scopes of a shape, created if missing: name -> id (for addOptionalScopes). */
    ensureScopes: (realm: string, names: string[]) => ensureClientScopes(keycloak, realm, names),

    addOptionalScopes: (realm: string, clientUuid: string, scopeIds: string[]) => addOptionalScopes(keycloak, realm, clientUuid, scopeIds),

    /** The user Keycloak created for the client's service account. */
    async findServiceAccountUser(realm: string, clientUuid: string): Promise<string> {
      const { body } = await keycloak.request<{ id?: string }>('find service-account user', 'GET', client(realm, clientUuid, 'service-account-user'));
      if (!body?.id) throw new Error('Keycloak returned a service-account user without an id');
      return body.id;
    },

    async assignRealmRole(realm: string, userId: string, roleName: string): Promise<void> {
      const key = `${realm}\u0000${roleName}`;
      const map = (roleId: string) =>
        keycloak.request('map realm role', 'POST', realmPath(realm, 'users', userId, 'role-mappings', 'realm'), [{ id: roleId, name: roleName }]);
      const cached = roleIds.get(key);
      if (cached) {
        try {
          await map(cached);
          return;
        } catch (error) {
          if (!(error instanceof KeycloakNotFoundError)) throw error;
          roleIds.delete(key);
        }
      }
      const { body: role } = await keycloak.request<{ id?: string }>('find realm role', 'GET', realmPath(realm, 'roles', roleName));
      if (!role?.id) throw new KeycloakNotFoundError(`find realm role ${roleName}`);
      roleIds.set(key, role.id);
      await map(role.id);
    },

    async readClientSecret(realm: string, clientUuid: string): Promise<string> {
      const { body } = await keycloak.request<{ value?: string }>('read client secret', 'GET', client(realm, clientUuid, 'client-secret'));
      if (!body?.value) throw new Error('Keycloak returned no client secret');
      return body.value;
    },

    async updateServiceAccountClient(realm: string, clientUuid: string, changes: { enabled?: boolean; description?: string | null }): Promise<void> {
      const representation: ClientRepresentation = {};
      if (changes.enabled !== undefined) representation.enabled = changes.enabled;
      if (changes.description !== undefined) representation.description = keycloakDescription(changes.description);
      await keycloak.request('update client', 'PUT', client(realm, clientUuid), representation);
    },

    /** Deletes the client (and so its service-account user); an already missing client is fine. */
    async deleteServiceAccountClient(realm: string, clientUuid: string): Promise<void> {
      try {
        await keycloak.request('delete client', 'DELETE', client(realm, clientUuid));
      } catch (error) {
        if (!(error instanceof KeycloakNotFoundError)) throw error;
      }
    },

    /** Stamps a client made before deployment ids existed with this deployment's id. */
    async claimLegacyClient(realm: string, clientUuid: string): Promise<void> {
      await updateAttributes('stamp deployment id', realm, clientUuid, { [DEPLOYMENT_ATTRIBUTE]: options.deploymentId });
    },

    /** Moves the service-account user from one realm role to another (owner downgrade). */
    async replaceRealmRole(realm: string, userId: string, from: string, to: string): Promise<void> {
      const { body: role } = await keycloak.request<{ id?: string; name?: string }>('find realm role', 'GET', realmPath(realm, 'roles', from));
      if (role?.id) {
        await keycloak.request('unmap realm role', 'DELETE', realmPath(realm, 'users', userId, 'role-mappings', 'realm'), [{ id: role.id, name: from }]);
      }
      const { body: target } = await keycloak.request<{ id?: string }>('find realm role', 'GET', realmPath(realm, 'roles', to));
      if (!target?.id) throw new KeycloakNotFoundError(`find realm role ${to}`);
      await keycloak.request('map realm role', 'POST', realmPath(realm, 'users', userId, 'role-mappings', 'realm'), [{ id: target.id, name: to }]);
    },

    /**
     * Clients carrying our marker attribute (of any deployment: callers check `deploymentId`). Keycloak refuses attribute search (`q=`) unless the
     * server lists the attribute as searchable, so this narrows by our clientId prefix (`sa-`)
     * and checks the marker itself.
     */
    async listManagedClients(realm: string): Promise<ManagedClient[]> {
      const results: ManagedClient[] = [];
      const pageSize = 200;
      for (let first = 0; ; first += pageSize) {
        const { body: page } = await keycloak.request<ClientRepresentation[]>(
          'list managed clients',
          'GET',
          `${realmPath(realm, 'clients')}?clientId=sa-&search=true&first=${first}&max=${pageSize}`,
        );
        for (const found of page) {
          if (found.id && found.clientId?.startsWith('sa-') && found.attributes?.[MANAGED_MARKER] === 'true') results.push(toManagedClient(found));
        }
        if (page.length < pageSize) return results;
      }
    },

    /**
     * A new secret. Keycloak's `secret-rotation` executor (realm-setup.ts) keeps the old one as the
     * "rotated" secret with the realm's maximum grace; setRotatedSecretExpiry gives this rotation
     * its own deadline, invalidatePreviousSecret drops the old secret at once.
     */
    regenerateSecret,

    async setRotatedSecretExpiry(realm: string, clientUuid: string, deadline: Date): Promise<void> {
      await updateAttributes('set rotated secret expiry', realm, clientUuid, { 'client.secret.rotated.expiration.time': String(Math.floor(deadline.getTime() / 1000)) });
    },

    /** The current secret and the rotated one Keycloak still accepts (the client's representation carries both). */
    async readSecrets(realm: string, clientUuid: string, now = Date.now()): Promise<ClientSecrets> {
      const { body } = await keycloak.request<ClientRepresentation>('read client secrets', 'GET', client(realm, clientUuid));
      if (!body?.secret) throw new Error('Keycloak returned a client without its secret');
      const attribute = (name: string) => (typeof body.attributes?.[name] === 'string' ? (body.attributes[name] as string) : undefined);
      const rotatedSecret = attribute('client.secret.rotated');
      const rotatedExpiresAt = Number(attribute('client.secret.rotated.expiration.time'));
      const createdAt = Number(attribute('client.secret.creation.time'));
      return {
        current: body.secret,
        createdAt: Number.isFinite(createdAt) ? createdAt : undefined,
        rotated: rotatedSecret && rotatedExpiresAt * 1000 > now ? { secret: rotatedSecret, expiresAt: rotatedExpiresAt } : undefined,
      };
    },

    /**
     * Makes `secret` the client's current secret again, with its own creation and expiry times
     * (which Keycloak's rotation executor reads), and drops the rotated one: undoes a rotation
     * whose new secret nobody received.
     */
    async restoreSecret(realm: string, clientUuid: string, secret: string, times: { createdAt: Date | null; expiresAt: Date | null }): Promise<void> {
      const seconds = (date: Date) => String(Math.floor(date.getTime() / 1000));
      await keycloak.request('restore client secret', 'PUT', client(realm, clientUuid), {
        secret,
        attributes: {
          ...(times.createdAt && { 'client.secret.creation.time': seconds(times.createdAt) }),
          ...(times.expiresAt && { 'client.secret.expiration.time': seconds(times.expiresAt) }),
        },
      } satisfies ClientRepresentation);
      await invalidatePreviousSecret(realm, clientUuid);
    },

    async setAccessTokenLifespan(realm: string, clientUuid: string, seconds: number): Promise<void> {
      await updateAttributes('set token lifespan', realm, clientUuid, { 'access.token.lifespan': String(seconds) });
    },

    /** Moves an existing client to a new token shape; `previousScopes` are the optional scopes that were ours. */
    async reshapeClient(realm: string, clientUuid: string, shape: TokenShape, previousScopes: string[]): Promise<void> {
      await updateAttributes('set token lifespan', realm, clientUuid, { 'access.token.lifespan': String(shape.accessTokenTtl) });
      await syncOwnMappers(keycloak, realm, clientUuid, tokenMappers(shape, options));
      await syncOptionalScopes(keycloak, realm, clientUuid, shape.scopes, [...new Set([...shape.scopes, ...previousScopes])]);
    },
  };
}

function toManagedClient(client: ClientRepresentation): ManagedClient {
  const saId = client.attributes?.[SA_ID_ATTRIBUTE];
  const deployment = client.attributes?.[DEPLOYMENT_ATTRIBUTE];
  return {
    uuid: client.id as string,
    clientId: client.clientId ?? '',
    serviceAccountId: typeof saId === 'string' ? saId : undefined,
    deploymentId: typeof deployment === 'string' ? deployment : undefined,
  };
}
