// The bridge's only door to Keycloak's admin API: domain verbs over
// @keycloak/keycloak-admin-client. Every call names its realm, carries a timeout, and has its
// errors translated by status (keycloak-errors.ts).
import KcAdminClient from '@keycloak/keycloak-admin-client';
import { KeycloakUnavailableError } from '../errors/app-error.ts';
import { KeycloakConflictError, KeycloakNotFoundError, translateKeycloakError } from './keycloak-errors.ts';
import { createServiceTokenSource, type ServiceTokenSource } from './service-token.ts';

export interface KeycloakAdminOptions {
  keycloakUrl: string;
  adminRealm: string;
  clientId: string;
  clientSecret: string;
  timeoutMs: number;
  /** The bridge's own audience: SA and portal tokens carry it so that the bridge accepts them. */
  bridgeAudience: string;
}

export interface RealmSummary {
  realm: string;
  displayName: string;
  enabled: boolean;
}

/** Attributes that mark a Keycloak client as managed by sa-bridge (the reconciler looks for them). */
export const MANAGED_MARKER = 'sa-bridge.managed';
export const SA_ID_ATTRIBUTE = 'sa-bridge.sa-id';
/** Marks a resource client the bridge registered for an allowed audience. */
export const AUDIENCE_MARKER = 'sa-bridge.audience';
export const ROTATION_POLICY = 'sa-bridge-secret-rotation';
/** The realm client the bridge performs token exchange as (Keycloak's standard token exchange). */
export const EXCHANGE_CLIENT_ID = 'sa-bridge-exchange';

/** What a service account's tokens look like, beyond its role. */
export interface TokenShape {
  accessTokenTtl: number;
  scopes: string[];
  claims: Record<string, string>;
  audiences: string[];
}

export interface ServiceAccountClientSpec {
  clientId: string;
  serviceAccountId: string;
  tenant: string;
  ownerId: string;
  description: string | null;
  shape: TokenShape;
}

const MAPPER_PREFIX = 'sa-bridge:';

/** Keycloak stores a client description in a 255-character column (a longer one is an HTTP 500). */
export const KEYCLOAK_DESCRIPTION_MAX = 255;

/** The description as Keycloak can hold it: cut to 255 UTF-16 units, never inside a surrogate pair. */
export function keycloakDescription(description: string | null): string {
  if (!description || description.length <= KEYCLOAK_DESCRIPTION_MAX) return description ?? '';
  let cut = description.slice(0, KEYCLOAK_DESCRIPTION_MAX);
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return cut;
}

const inAccessToken = { 'access.token.claim': 'true', 'id.token.claim': 'false', 'userinfo.token.claim': 'false', 'introspection.token.claim': 'true' };

/**
 * The audiences every token meant for the bridge carries: the bridge's own (it refuses tokens
 * without it) and the exchange client's (standard token exchange accepts a subject token only if
 * the requester is in its audience). Given to SA clients and to the realm's `portal` client.
 */
export function bridgeAudienceMappers(bridgeAudience: string) {
  return [
    {
      name: `${MAPPER_PREFIX}bridge-audience`,
      protocol: 'openid-connect',
      protocolMapper: 'oidc-audience-mapper',
      config: { 'included.custom.audience': bridgeAudience, ...inAccessToken },
    },
    {
      name: `${MAPPER_PREFIX}exchange-audience`,
      protocol: 'openid-connect',
      protocolMapper: 'oidc-audience-mapper',
      // A custom audience: it needs no client of that name yet (realm imports carry this mapper).
      config: { 'included.custom.audience': EXCHANGE_CLIENT_ID, ...inAccessToken },
    },
  ];
}

/** Hard-coded claim and audience mappers for a shape, named so we can find and replace ours. */
export function tokenMappers(shape: Pick<TokenShape, 'claims' | 'audiences'>, bridgeAudience: string) {
  return [
    ...bridgeAudienceMappers(bridgeAudience),
    ...Object.entries(shape.claims).map(([name, value]) => ({
      name: `${MAPPER_PREFIX}claim:${name}`,
      protocol: 'openid-connect',
      protocolMapper: 'oidc-hardcoded-claim-mapper',
      config: { 'claim.name': name, 'claim.value': value, 'jsonType.label': 'String', ...inAccessToken },
    })),
    ...shape.audiences.map((audience) => ({
      name: `${MAPPER_PREFIX}aud:${audience}`,
      protocol: 'openid-connect',
      protocolMapper: 'oidc-audience-mapper',
      config: { 'included.custom.audience': audience, ...inAccessToken },
    })),
  ];
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
  private readonly bridgeAudience: string;

  constructor(options: KeycloakAdminOptions) {
    this.url = options.keycloakUrl;
    this.timeoutMs = options.timeoutMs;
    this.bridgeAudience = options.bridgeAudience;
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
   * A plain REST call for the create path. Measured on the same Keycloak, the admin-client
   * library adds 1.5-2 ms to each call over fetch (p50 7.9 against 6.5 ms for a GET), and the
   * create saga makes three such calls back to back. Same token source, timeout and error
   * translation as call().
   */
  private async rest<T>(operation: string, method: string, path: string, body?: unknown): Promise<{ body: T; location: string | null }> {
    let response: Response;
    try {
      response = await fetch(`${this.url}/admin/realms${path}`, {
        method,
        headers: {
          authorization: `Bearer ${await this.tokens.getToken()}`,
          ...(body !== undefined && { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw translateKeycloakError(operation, error);
    }
    if (!response.ok) {
      await response.body?.cancel();
      if (response.status === 401) this.tokens.invalidate();
      throw translateKeycloakError(operation, { response: { status: response.status } });
    }
    const text = await response.text();
    return { body: (text ? JSON.parse(text) : undefined) as T, location: response.headers.get('location') };
  }

  /**
   * A confidential client that can only use client_credentials: every user-facing flow is off,
   * and no refresh token is issued for the grant. Returns the client's internal id.
   */
  async createServiceAccountClient(realm: string, spec: ServiceAccountClientSpec): Promise<string> {
    const created = await this.rest('create client', 'POST', `/${encodeURIComponent(realm)}/clients`, {
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
      // afterwards (addOptionalClientScopes): naming any scope in this representation replaces the
      // realm's default client scopes, and tokens then lose `roles` (realm_access) and `profile`.
      protocolMappers: tokenMappers(spec.shape, this.bridgeAudience),
      attributes: {
        'access.token.lifespan': String(spec.shape.accessTokenTtl),
        'oauth2.device.authorization.grant.enabled': 'false',
        'oidc.ciba.grant.enabled': 'false',
        'client_credentials.use_refresh_token': 'false',
        'standard.token.exchange.enabled': 'false',
        [MANAGED_MARKER]: 'true',
        [SA_ID_ATTRIBUTE]: spec.serviceAccountId,
        'sa-bridge.tenant': spec.tenant,
        'sa-bridge.owner': spec.ownerId,
      },
    });
    const id = created.location?.split('/').pop();
    if (!id) throw new Error('Keycloak created the client without a Location header');
    return id;
  }

  /** The user Keycloak created for the client's service account. */
  async findServiceAccountUser(realm: string, clientUuid: string): Promise<string> {
    const { body: user } = await this.rest<{ id?: string }>(
      'find service-account user',
      'GET',
      `/${encodeURIComponent(realm)}/clients/${encodeURIComponent(clientUuid)}/service-account-user`,
    );
    if (!user?.id) throw new Error('Keycloak returned a service-account user without an id');
    return user.id;
  }

  private readonly roleIds = new Map<string, string>();

  /** Realm role ids are stable for a role's lifetime, so they are cached; a stale id is refetched. */
  async assignRealmRole(realm: string, userId: string, roleName: string): Promise<void> {
    const key = `${realm}\u0000${roleName}`;
    const map = async (roleId: string) =>
      this.rest('map realm role', 'POST', `/${encodeURIComponent(realm)}/users/${encodeURIComponent(userId)}/role-mappings/realm`, [
        { id: roleId, name: roleName },
      ]);
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
    const { body: role } = await this.rest<{ id?: string }>('find realm role', 'GET', `/${encodeURIComponent(realm)}/roles/${encodeURIComponent(roleName)}`);
    if (!role?.id) throw new KeycloakNotFoundError(`find realm role ${roleName}`);
    roleId = role.id;
    this.roleIds.set(key, roleId);
    await map(roleId);
  }

  async readClientSecret(realm: string, clientUuid: string): Promise<string> {
    const { body: credential } = await this.rest<{ value?: string }>(
      'read client secret',
      'GET',
      `/${encodeURIComponent(realm)}/clients/${encodeURIComponent(clientUuid)}/client-secret`,
    );
    if (!credential?.value) throw new Error('Keycloak returned no client secret');
    return credential.value;
  }

  /** Adds realm client scopes (by id) as optional scopes of a client; its default scopes stay. */
  async addOptionalClientScopes(realm: string, clientUuid: string, scopeIds: string[]): Promise<void> {
    await Promise.all(
      scopeIds.map((scopeId) =>
        this.rest(
          'add optional scope',
          'PUT',
          `/${encodeURIComponent(realm)}/clients/${encodeURIComponent(clientUuid)}/optional-client-scopes/${encodeURIComponent(scopeId)}`,
        ),
      ),
    );
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
    if (changes.description !== undefined) representation.description = keycloakDescription(changes.description);
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

  /**
   * Keycloak's own secret rotation (the `secret-rotation` client-policy executor) for our
   * clients in a realm, selected by our marker attribute. With it, a regenerate keeps the
   * previous secret valid until `client.secret.rotated.expiration.time`, and Keycloak refuses a
   * secret older than `expiration-period`. Other profiles and policies of the realm are kept.
   */
  async ensureSecretRotationPolicy(realm: string, limits: { maxSecretAgeSeconds: number; maxGraceSeconds: number }): Promise<void> {
    const expiration = Math.max(1, limits.maxSecretAgeSeconds);
    // Keycloak rejects a rotated-secret lifetime above the secret lifetime.
    const rotated = Math.min(Math.max(0, limits.maxGraceSeconds), expiration);
    const profile = {
      name: ROTATION_POLICY,
      description: 'Managed by sa-bridge: secret expiry and rotation grace for service accounts',
      executors: [
        {
          executor: 'secret-rotation',
          configuration: {
            'expiration-period': String(expiration),
            'rotated-expiration-period': String(rotated),
            'remaining-rotation-period': String(Math.min(expiration, 86_400)),
          },
        },
      ],
    };
    const policy = {
      name: ROTATION_POLICY,
      description: 'Managed by sa-bridge',
      enabled: true,
      conditions: [{ condition: 'client-attributes', configuration: { attributes: JSON.stringify([{ key: MANAGED_MARKER, value: 'true' }]) } }],
      profiles: [ROTATION_POLICY],
    };
    const current = await this.call('read client profiles', (c) => c.clientPolicies.listProfiles({ realm, includeGlobalProfiles: false }));
    const profiles = (current.profiles ?? []).filter((p) => p.name !== ROTATION_POLICY);
    await this.call('write client profiles', (c) => c.clientPolicies.createProfiles({ realm, profiles: [...profiles, profile] }));
    const currentPolicies = await this.call('read client policies', (c) => c.clientPolicies.listPolicies({ realm }));
    const policies = (currentPolicies.policies ?? []).filter((p) => p.name !== ROTATION_POLICY);
    await this.call('write client policies', (c) => c.clientPolicies.updatePolicy({ realm, policies: [...policies, policy] }));
  }

  /**
   * Rotates the secret. Keycloak's executor keeps the old one as the "rotated" secret with the
   * realm's maximum grace; this call then sets this rotation's own deadline on the client, or
   * drops the old secret at once when the grace is 0.
   */
  async rotateSecret(realm: string, clientUuid: string, graceSeconds: number, now = Date.now()): Promise<{ secret: string; previousExpiresAt: Date | null }> {
    const secret = await this.regenerateSecret(realm, clientUuid);
    if (graceSeconds <= 0) {
      await this.invalidatePreviousSecret(realm, clientUuid);
      return { secret, previousExpiresAt: null };
    }
    const deadline = Math.floor(now / 1000) + graceSeconds;
    await this.call('set rotated secret expiry', (c) =>
      c.clients.update({ realm, id: clientUuid }, { attributes: { 'client.secret.rotated.expiration.time': String(deadline) } }),
    );
    return { secret, previousExpiresAt: new Date(deadline * 1000) };
  }

  /** Ends a grace period: the previous secret stops working now. */
  async invalidatePreviousSecret(realm: string, clientUuid: string): Promise<void> {
    await this.call('invalidate rotated secret', (c) => c.clients.invalidateSecret({ realm, id: clientUuid }));
  }

  /** Stores CLIENT_LOGIN events (what usage tracking reads), keeping the realm's other settings. */
  async enableClientLoginEvents(realm: string, retentionSeconds: number): Promise<void> {
    const config = await this.call('read events config', (c) => c.realms.getConfigEvents({ realm }));
    const types = config.enabledEventTypes ?? [];
    // An empty list with events on means "every type", which includes CLIENT_LOGIN already.
    const alreadyAll = config.eventsEnabled === true && types.length === 0;
    if (config.eventsEnabled === true && (alreadyAll || types.includes('CLIENT_LOGIN'))) return;
    await this.call('write events config', (c) =>
      c.realms.updateConfigEvents(
        { realm },
        {
          ...config,
          eventsEnabled: true,
          enabledEventTypes: config.eventsEnabled ? [...types, 'CLIENT_LOGIN'] : ['CLIENT_LOGIN'],
          eventsExpiration: config.eventsExpiration ?? retentionSeconds,
        },
      ),
    );
  }

  /** CLIENT_LOGIN events at or after `since`, newest first, at most `max`. */
  async listClientLogins(realm: string, since: Date | null, max = 1000): Promise<Array<{ clientId: string; time: Date }>> {
    const events = await this.call('list client login events', (c) =>
      c.realms.findEvents({
        realm,
        type: 'CLIENT_LOGIN',
        first: 0,
        max,
        ...(since && { dateFrom: since.toISOString().slice(0, 10) }),
      }),
    );
    return events
      .filter((e) => typeof e.clientId === 'string' && typeof e.time === 'number')
      .map((e) => ({ clientId: e.clientId as string, time: new Date(e.time as number) }))
      .filter((e) => !since || e.time > since);
  }

  /** Creates the realm's client scopes that do not exist yet (as token scopes, no consent). */
  async ensureClientScopes(realm: string, names: string[]): Promise<Map<string, string>> {
    const ids = new Map<string, string>();
    if (names.length === 0) return ids;
    const existing = await this.call('list client scopes', (c) => c.clientScopes.find({ realm }));
    for (const scope of existing) if (scope.name && scope.id) ids.set(scope.name, scope.id);
    for (const name of names) {
      if (ids.has(name)) continue;
      await this.call('create client scope', (c) =>
        c.clientScopes.create({
          realm,
          name,
          protocol: 'openid-connect',
          attributes: { 'include.in.token.scope': 'true', 'display.on.consent.screen': 'false' },
        }),
      );
      const created = await this.call('find client scope', (c) => c.clientScopes.findOneByName({ realm, name }));
      if (created?.id) ids.set(name, created.id);
    }
    return ids;
  }

  /** Moves an existing client to a new token shape; `previous` says which optional scopes were ours. */
  async setAccessTokenLifespan(realm: string, clientUuid: string, seconds: number): Promise<void> {
    await this.call('set token lifespan', (c) => c.clients.update({ realm, id: clientUuid }, { attributes: { 'access.token.lifespan': String(seconds) } }));
  }

  async reshapeClient(realm: string, clientUuid: string, shape: TokenShape, previousScopes: string[]): Promise<void> {
    await this.setAccessTokenLifespan(realm, clientUuid, shape.accessTokenTtl);
    await this.syncOwnMappers(realm, clientUuid, tokenMappers(shape, this.bridgeAudience));
    const scopeIds = await this.ensureClientScopes(realm, [...new Set([...shape.scopes, ...previousScopes])]);
    for (const name of previousScopes.filter((s) => !shape.scopes.includes(s))) {
      const id = scopeIds.get(name);
      if (id) await this.call('remove optional scope', (c) => c.clients.delOptionalClientScope({ realm, id: clientUuid, clientScopeId: id }));
    }
    for (const name of shape.scopes.filter((s) => !previousScopes.includes(s))) {
      const id = scopeIds.get(name);
      if (id) await this.call('add optional scope', (c) => c.clients.addOptionalClientScope({ realm, id: clientUuid, clientScopeId: id }));
    }
  }

  /**
   * The realm's exchange client: confidential, standard token exchange on, no flow of its own.
   * Its audience mappers and optional scopes are the tenant's allowed audiences and scopes, so
   * Keycloak itself cannot hand out more than the policy allows.
   */
  async ensureExchangeClient(realm: string, secret: string, allowed: { audiences: string[]; scopes: string[] }): Promise<void> {
    const representation = {
      clientId: EXCHANGE_CLIENT_ID,
      name: 'sa-bridge token exchange',
      description: 'Managed by sa-bridge: performs RFC 8693 exchanges under tenant policy',
      enabled: true,
      publicClient: false,
      clientAuthenticatorType: 'client-secret',
      secret,
      standardFlowEnabled: false,
      implicitFlowEnabled: false,
      directAccessGrantsEnabled: false,
      serviceAccountsEnabled: false,
      fullScopeAllowed: true,
      attributes: { 'standard.token.exchange.enabled': 'true' },
    };
    let existing = await this.findClientByClientId(realm, EXCHANGE_CLIENT_ID);
    if (existing) await this.call('update exchange client', (c) => c.clients.update({ realm, id: existing!.uuid }, representation));
    else {
      await this.call('create exchange client', (c) => c.clients.create({ realm, ...representation }));
      existing = await this.findClientByClientId(realm, EXCHANGE_CLIENT_ID);
    }
    if (!existing) throw new Error('the exchange client was not created');
    const uuid = existing.uuid;
    await this.syncOwnMappers(
      realm,
      uuid,
      allowed.audiences.map((audience) => ({
        name: `${MAPPER_PREFIX}aud:${audience}`,
        protocol: 'openid-connect',
        protocolMapper: 'oidc-audience-mapper',
        config: { 'included.client.audience': audience, 'access.token.claim': 'true', 'introspection.token.claim': 'true' },
      })),
    );
    const current = await this.call('list optional scopes', (c) => c.clients.listOptionalClientScopes({ realm, id: uuid }));
    const scopeIds = await this.ensureClientScopes(realm, allowed.scopes);
    for (const scope of current) {
      if (scope.id && scope.name && !allowed.scopes.includes(scope.name)) {
        await this.call('remove optional scope', (c) => c.clients.delOptionalClientScope({ realm, id: uuid, clientScopeId: scope.id! }));
      }
    }
    for (const name of allowed.scopes) {
      const id = scopeIds.get(name);
      if (id && !current.some((scope) => scope.id === id)) {
        await this.call('add optional scope', (c) => c.clients.addOptionalClientScope({ realm, id: uuid, clientScopeId: id }));
      }
    }
  }

  /**
   * Makes the client's sa-bridge mappers (named with our prefix) exactly `wanted`: ours that differ
   * are removed, missing ones added; mappers of others are left alone.
   */
  private async syncOwnMappers(realm: string, clientUuid: string, wanted: ProtocolMapper[], retried = false): Promise<void> {
    try {
      await this.replaceOwnMappers(realm, clientUuid, wanted);
    } catch (error) {
      // Two bridges configuring one realm at once: the other added a mapper first; look again.
      if (!(error instanceof KeycloakConflictError) || retried) throw error;
      await this.syncOwnMappers(realm, clientUuid, wanted, true);
    }
  }

  private async replaceOwnMappers(realm: string, clientUuid: string, wanted: ProtocolMapper[]): Promise<void> {
    const current = await this.call('list protocol mappers', (c) => c.clients.listProtocolMappers({ realm, id: clientUuid }));
    const ours = current.filter((m) => m.id && m.name?.startsWith(MAPPER_PREFIX));
    // Keycloak adds defaults to a stored mapper's config, so only the keys we set are compared.
    const same = (a: { name?: string; protocolMapper?: string; config?: Record<string, unknown> }, b: ProtocolMapper) =>
      a.name === b.name && a.protocolMapper === b.protocolMapper && Object.entries(b.config).every(([key, value]) => a.config?.[key] === value);
    for (const mapper of ours.filter((m) => !wanted.some((w) => same(m, w)))) {
      await this.call('delete protocol mapper', (c) => c.clients.delProtocolMapper({ realm, id: clientUuid, mapperId: mapper.id! }));
    }
    const missing = wanted.filter((w) => !ours.some((m) => same(m, w)));
    if (missing.length > 0) await this.call('add protocol mappers', (c) => c.clients.addMultipleProtocolMappers({ realm, id: clientUuid }, missing));
  }

  /**
   * Tokens of the realm's `portal` client carry the bridge's audience (the bridge refuses tokens
   * without it) and the exchange client's (so people can exchange their token). Returns false
   * when the realm has no `portal` client.
   */
  async ensurePortalAudiences(realm: string, portalClientId = 'portal'): Promise<boolean> {
    const portal = await this.findClientByClientId(realm, portalClientId);
    if (!portal) return false;
    await this.syncOwnMappers(realm, portal.uuid, bridgeAudienceMappers(this.bridgeAudience));
    return true;
  }

  /**
   * Keycloak's token exchange issues a token for an audience only if a client of that name exists
   * in the realm ("Audience not found" otherwise). Each audience without one gets a resource
   * client: confidential, every flow off, marked as ours. Returns the audiences whose client the
   * bridge registered (now or earlier).
   */
  async ensureAudienceClients(realm: string, audiences: string[]): Promise<string[]> {
    const registered: string[] = [];
    for (const audience of audiences) {
      const found = await this.call('find client', (c) => c.clients.find({ realm, clientId: audience, first: 0, max: 2 }));
      const client = found.find((candidate) => candidate.clientId === audience);
      if (client) {
        if (client.attributes?.[AUDIENCE_MARKER] === 'true') registered.push(audience);
        continue;
      }
      await this.call('create audience client', (c) =>
        c.clients.create({
          realm,
          clientId: audience,
          name: audience,
          description: 'Managed by sa-bridge: a token audience of the tenant policy',
          enabled: true,
          publicClient: false,
          standardFlowEnabled: false,
          implicitFlowEnabled: false,
          directAccessGrantsEnabled: false,
          serviceAccountsEnabled: false,
          attributes: { [AUDIENCE_MARKER]: 'true' },
        }),
      );
      registered.push(audience);
    }
    return registered;
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

interface ProtocolMapper {
  name: string;
  protocol: string;
  protocolMapper: string;
  config: Record<string, string>;
}

function toManagedClient(client: { id?: string; clientId?: string; attributes?: Record<string, unknown> }): ManagedClient {
  const saId = client.attributes?.[SA_ID_ATTRIBUTE];
  return {
    uuid: client.id as string,
    clientId: client.clientId ?? '',
    serviceAccountId: typeof saId === 'string' ? saId : undefined,
  };
}
