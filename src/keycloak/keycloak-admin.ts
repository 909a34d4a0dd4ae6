// The bridge's only door to Keycloak's admin API: domain verbs over
// @keycloak/keycloak-admin-client. Every call names its realm, carries a timeout, and has its
// errors translated by status (keycloak-errors.ts).
import KcAdminClient from '@keycloak/keycloak-admin-client';
import { KeycloakUnavailableError } from '../errors/app-error.ts';
import { KeycloakNotFoundError, translateKeycloakError } from './keycloak-errors.ts';
import { createServiceTokenSource, type ServiceTokenSource } from './service-token.ts';

export interface KeycloakAdminOptions {
  keycloakUrl: string;
  adminRealm: string;
  clientId: string;
  clientSecret: string;
  timeoutMs: number;
}

export interface RealmSummary {
  realm: string;
  displayName: string;
  enabled: boolean;
}

/** Attributes that mark a Keycloak client as managed by sa-bridge (the reconciler looks for them). */
export const MANAGED_MARKER = 'sa-bridge.managed';
export const SA_ID_ATTRIBUTE = 'sa-bridge.sa-id';

export interface ServiceAccountClientSpec {
  clientId: string;
  serviceAccountId: string;
  tenant: string;
  ownerId: string;
  description: string | null;
}

export interface ManagedClient {
  uuid: string;
  clientId: string;
  serviceAccountId: string | undefined;
}

export class KeycloakAdmin {
  readonly url: string;
  private readonly client: KcAdminClient;
  private readonly tokens: ServiceTokenSource;
  private readonly timeoutMs: number;

  constructor(options: KeycloakAdminOptions) {
    this.url = options.keycloakUrl;
    this.timeoutMs = options.timeoutMs;
    this.tokens = createServiceTokenSource({
      keycloakUrl: options.keycloakUrl,
      realm: options.adminRealm,
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      timeoutMs: options.timeoutMs,
    });
    this.client = new KcAdminClient({ baseUrl: options.keycloakUrl, realmName: options.adminRealm, timeout: options.timeoutMs });
    this.client.registerTokenProvider({ getAccessToken: () => this.tokens.getToken() });
  }

  protected async call<T>(operation: string, fn: (client: KcAdminClient) => Promise<T>): Promise<T> {
    try {
      return await fn(this.client);
    } catch (error) {
      const translated = translateKeycloakError(operation, error);
      // A 401 from the admin API means our cached token was revoked or the realm keys rotated.
      if ((error as { response?: { status?: number } })?.response?.status === 401) this.tokens.invalidate();
      throw translated;
    }
  }

  /**
   * A confidential client that can only use client_credentials: every user-facing flow is off,
   * and no refresh token is issued for the grant. Returns the client's internal id.
   */
  async createServiceAccountClient(realm: string, spec: ServiceAccountClientSpec): Promise<string> {
    const created = await this.call('create client', (c) =>
      c.clients.create({
        realm,
        clientId: spec.clientId,
        name: spec.clientId,
        description: spec.description ?? '',
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
        attributes: {
          'oauth2.device.authorization.grant.enabled': 'false',
          'oidc.ciba.grant.enabled': 'false',
          'client_credentials.use_refresh_token': 'false',
          'standard.token.exchange.enabled': 'false',
          [MANAGED_MARKER]: 'true',
          [SA_ID_ATTRIBUTE]: spec.serviceAccountId,
          'sa-bridge.tenant': spec.tenant,
          'sa-bridge.owner': spec.ownerId,
        },
      }),
    );
    return created.id;
  }

  /** The user Keycloak created for the client's service account. */
  async findServiceAccountUser(realm: string, clientUuid: string): Promise<string> {
    const user = await this.call('find service-account user', (c) => c.clients.getServiceAccountUser({ realm, id: clientUuid }));
    if (!user.id) throw new Error('Keycloak returned a service-account user without an id');
    return user.id;
  }

  private readonly roleIds = new Map<string, string>();

  /** Realm role ids are stable for a role's lifetime, so they are cached; a stale id is refetched. */
  async assignRealmRole(realm: string, userId: string, roleName: string): Promise<void> {
    const key = `${realm}\u0000${roleName}`;
    const map = async (roleId: string) =>
      this.call('map realm role', (c) => c.users.addRealmRoleMappings({ realm, id: userId, roles: [{ id: roleId, name: roleName }] }));
    let roleId = this.roleIds.get(key);
    if (roleId) {
      try {
        await map(roleId);
        return;
      } catch (error) {
        if (!(error instanceof KeycloakNotFoundError)) throw error;
        this.roleIds.delete(key);
      }
    }
    const role = await this.call('find realm role', (c) => c.roles.findOneByName({ realm, name: roleName }));
    if (!role?.id) throw new KeycloakNotFoundError(`find realm role ${roleName}`);
    roleId = role.id;
    this.roleIds.set(key, roleId);
    await map(roleId);
  }

  async readClientSecret(realm: string, clientUuid: string): Promise<string> {
    const credential = await this.call('read client secret', (c) => c.clients.getClientSecret({ realm, id: clientUuid }));
    if (!credential.value) throw new Error('Keycloak returned no client secret');
    return credential.value;
  }

  /** Generates a new secret; without a rotation policy the old one stops working at once. */
  async regenerateSecret(realm: string, clientUuid: string): Promise<string> {
    const credential = await this.call('regenerate client secret', (c) => c.clients.generateNewClientSecret({ realm, id: clientUuid }));
    if (!credential.value) throw new Error('Keycloak returned no client secret');
    return credential.value;
  }

  async updateServiceAccountClient(realm: string, clientUuid: string, changes: { enabled?: boolean; description?: string | null }): Promise<void> {
    const representation: { enabled?: boolean; description?: string } = {};
    if (changes.enabled !== undefined) representation.enabled = changes.enabled;
    if (changes.description !== undefined) representation.description = changes.description ?? '';
    await this.call('update client', (c) => c.clients.update({ realm, id: clientUuid }, representation));
  }

  /** Deletes the client (and so its service-account user); an already missing client is fine. */
  async deleteServiceAccountClient(realm: string, clientUuid: string): Promise<void> {
    try {
      await this.call('delete client', (c) => c.clients.del({ realm, id: clientUuid }));
    } catch (error) {
      if (!(error instanceof KeycloakNotFoundError)) throw error;
    }
  }

  async findClientByClientId(realm: string, clientId: string): Promise<ManagedClient | undefined> {
    const found = await this.call('find client', (c) => c.clients.find({ realm, clientId, first: 0, max: 2 }));
    const client = found.find((candidate) => candidate.clientId === clientId);
    return client?.id ? toManagedClient(client) : undefined;
  }

  /**
   * Clients carrying our marker attribute. Keycloak refuses attribute search (`q=`) unless the
   * server lists the attribute as searchable, so this narrows by our clientId prefix (`sa-`)
   * and checks the marker itself.
   */
  async listManagedClients(realm: string): Promise<ManagedClient[]> {
    const results: ManagedClient[] = [];
    const pageSize = 200;
    for (let first = 0; ; first += pageSize) {
      const page = await this.call('list managed clients', (c) =>
        c.clients.find({ realm, clientId: 'sa-', search: true, first, max: pageSize }),
      );
      for (const client of page) {
        if (client.id && client.clientId?.startsWith('sa-') && client.attributes?.[MANAGED_MARKER] === 'true') results.push(toManagedClient(client));
      }
      if (page.length < pageSize) return results;
    }
  }

  /** Realms the bridge's admin client may manage (Keycloak lists only those it has roles in). */
  async listManagedRealms(): Promise<RealmSummary[]> {
    const realms = await this.call('list realms', (c) => c.realms.find({ briefRepresentation: true }));
    return realms
      .filter((r) => r.realm && r.realm !== 'master')
      .map((r) => ({ realm: r.realm as string, displayName: r.displayName || (r.realm as string), enabled: r.enabled !== false }));
  }

  /** Readiness: Keycloak answers and the bridge can still sign in. */
  async ping(): Promise<void> {
    let response: Response;
    try {
      response = await fetch(`${this.url}/realms/${encodeURIComponent(this.client.realmName)}`, {
        signal: AbortSignal.timeout(Math.min(this.timeoutMs, 3000)),
      });
    } catch (error) {
      throw new KeycloakUnavailableError('Keycloak did not answer', error);
    }
    await response.body?.cancel();
    if (!response.ok) throw new KeycloakUnavailableError(`Keycloak answered HTTP ${response.status}`);
    await this.tokens.getToken();
  }
}

function toManagedClient(client: { id?: string; clientId?: string; attributes?: Record<string, unknown> }): ManagedClient {
  const saId = client.attributes?.[SA_ID_ATTRIBUTE];
  return {
    uuid: client.id as string,
    clientId: client.clientId ?? '',
    serviceAccountId: typeof saId === 'string' ? saId : undefined,
  };
}
