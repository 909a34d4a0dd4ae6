// What the bridge configures in each tenant realm: Keycloak's secret rotation for our clients,
// CLIENT_LOGIN event storage (usage), resource clients for the policy's audiences, the exchange
// client, and the `portal` client (bridge audiences, console sign-in, device grant). Every verb
// keeps what others configured.
import type ClientPoliciesRepresentation from '@keycloak/keycloak-admin-client/lib/defs/clientPoliciesRepresentation.js';
import type ClientProfilesRepresentation from '@keycloak/keycloak-admin-client/lib/defs/clientProfilesRepresentation.js';
import type ClientRepresentation from '@keycloak/keycloak-admin-client/lib/defs/clientRepresentation.js';
import type { RealmEventsConfigRepresentation } from '@keycloak/keycloak-admin-client/lib/defs/realmEventsConfigRepresentation.js';
import { realmPath, type AdminTransport } from './admin-transport.ts';
import {
  bridgeAudienceMappers,
  deploymentMapperPrefix,
  exchangeAudienceMappers,
  exchangeClientIdFor,
  syncOptionalScopes,
  syncOwnMappers,
  type BridgeIdentity,
} from './client-shape.ts';
import { DEPLOYMENT_ATTRIBUTE, MANAGED_MARKER, type ServiceAccountClients } from './service-account-clients.ts';

/** The client policy and profile of bridges before deployment ids: it matched every marked client. */
export const LEGACY_ROTATION_POLICY = 'sa-bridge-secret-rotation';

/** A deployment's client policy and profile for secret rotation: they match only its own clients. */
export function rotationPolicyFor(deploymentId: string): string {
  return `${LEGACY_ROTATION_POLICY}-${deploymentId}`;
}
/** Marks a resource client the bridge registered for an allowed audience. */
export const AUDIENCE_MARKER = 'sa-bridge.audience';

export type RealmSetup = ReturnType<typeof createRealmSetup>;

export function createRealmSetup(keycloak: AdminTransport, clients: Pick<ServiceAccountClients, 'findClientByClientId' | 'deleteServiceAccountClient'>, options: BridgeIdentity) {
  const rotationPolicy = rotationPolicyFor(options.deploymentId);
  const exchangeClientId = exchangeClientIdFor(options.deploymentId);
  const portalMapperPrefix = deploymentMapperPrefix(options.deploymentId);

  /** Writes the realm's client profiles and policies without `names`, plus `add`; true when `add` is new. */
  async function replaceClientPolicies(realm: string, names: string[], add?: { profile: object; policy: object }): Promise<boolean> {
    const profilesPath = `${realmPath(realm, 'client-policies', 'profiles')}?include-global-profiles=false`;
    const { body: current } = await keycloak.request<ClientProfilesRepresentation>('read client profiles', 'GET', profilesPath);
    const profiles = (current.profiles ?? []).filter((p) => !names.includes(p.name ?? ''));
    const policiesPath = realmPath(realm, 'client-policies', 'policies');
    const { body: currentPolicies } = await keycloak.request<ClientPoliciesRepresentation>('read client policies', 'GET', policiesPath);
    const policies = (currentPolicies.policies ?? []).filter((p) => !names.includes(p.name ?? ''));
    const policiesOnly = async (list: object[]) => keycloak.request('write client policies', 'PUT', policiesPath, { policies: list });
    const profilesOnly = async (list: object[]) => keycloak.request('write client profiles', 'PUT', realmPath(realm, 'client-policies', 'profiles'), { profiles: list });
    // A policy must name existing profiles: policies that go are dropped before their profiles,
    // a profile that comes is written before its policy.
    const dropping = (currentPolicies.policies ?? []).some((p) => names.includes(p.name ?? '') && p.name !== (add?.policy as { name?: string } | undefined)?.name);
    if (dropping || !add) await policiesOnly(policies);
    await profilesOnly(add ? [...profiles, add.profile] : profiles);
    if (add) await policiesOnly([...policies, add.policy]);
    const addedName = (add?.policy as { name?: string } | undefined)?.name;
    return addedName !== undefined && !(currentPolicies.policies ?? []).some((p) => p.name === addedName);
  }

  return {
    exchangeClientId,
    /**
     * Keycloak's own secret rotation (the `secret-rotation` client-policy executor) for our
     * clients in a realm, selected by our marker attribute. With it, a regenerate keeps the
     * previous secret valid until `client.secret.rotated.expiration.time`, and Keycloak refuses a
     * secret older than `expiration-period`. Other profiles and policies of the realm are kept.
     */
    async ensureSecretRotationPolicy(realm: string, limits: { maxSecretAgeSeconds: number; maxGraceSeconds: number }): Promise<boolean> {
      const expiration = Math.max(1, limits.maxSecretAgeSeconds);
      // Keycloak rejects a rotated-secret lifetime above the secret lifetime.
      const rotated = Math.min(Math.max(0, limits.maxGraceSeconds), expiration);
      const profile = {
        name: rotationPolicy,
        description: `Managed by sa-bridge (deployment ${options.deploymentId}): secret expiry and rotation grace for service accounts`,
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
        name: rotationPolicy,
        description: `Managed by sa-bridge (deployment ${options.deploymentId})`,
        enabled: true,
        conditions: [
          {
            condition: 'client-attributes',
            configuration: {
              attributes: JSON.stringify([
                { key: MANAGED_MARKER, value: 'true' },
                { key: DEPLOYMENT_ATTRIBUTE, value: options.deploymentId },
              ]),
            },
          },
        ],
        profiles: [rotationPolicy],
      };
      // The policy of bridges before deployment ids matched every marked client, this
      // deployment's too: it is replaced by this deployment's own.
      return replaceClientPolicies(realm, [rotationPolicy, LEGACY_ROTATION_POLICY], { profile, policy });
    },

    /**
     * Stores CLIENT_LOGIN events (what usage tracking reads) and admin events (what owner-change
     * detection reads), keeping the realm's other settings. Returns what it switched on.
     */
    async enableEventStorage(realm: string, retentionSeconds: number): Promise<string[]> {
      const path = realmPath(realm, 'events', 'config');
      const { body: config } = await keycloak.request<RealmEventsConfigRepresentation>('read events config', 'GET', path);
      const types = config.enabledEventTypes ?? [];
      // An empty list with events on means "every type", which includes CLIENT_LOGIN already.
      const alreadyAll = config.eventsEnabled === true && types.length === 0;
      const loginEvents = config.eventsEnabled === true && (alreadyAll || types.includes('CLIENT_LOGIN'));
      const adminEvents = config.adminEventsEnabled === true;
      if (loginEvents && adminEvents) return [];
      await keycloak.request('write events config', 'PUT', path, {
        ...config,
        eventsEnabled: true,
        enabledEventTypes: loginEvents ? types : config.eventsEnabled ? [...types, 'CLIENT_LOGIN'] : ['CLIENT_LOGIN'],
        eventsExpiration: config.eventsExpiration ?? retentionSeconds,
        adminEventsEnabled: true,
      });
      return [...(loginEvents ? [] : ['CLIENT_LOGIN event storage']), ...(adminEvents ? [] : ['admin event storage'])];
    },

    /**
     * Keycloak's token exchange issues a token for an audience only if a client of that name exists
     * in the realm ("Audience not found" otherwise). Each audience without one gets a resource
     * client: confidential, every flow off, marked as ours. Returns the audiences whose client the
     * bridge registered (now or earlier).
     */
    async ensureAudienceClients(realm: string, audiences: string[]): Promise<string[]> {
      const registered: string[] = [];
      for (const audience of audiences) {
        const { body: found } = await keycloak.request<ClientRepresentation[]>(
          'find client',
          'GET',
          `${realmPath(realm, 'clients')}?clientId=${encodeURIComponent(audience)}&first=0&max=2`,
        );
        const existing = found.find((candidate) => candidate.clientId === audience);
        if (existing) {
          if (existing.attributes?.[AUDIENCE_MARKER] === 'true') registered.push(audience);
          continue;
        }
        await keycloak.request('create audience client', 'POST', realmPath(realm, 'clients'), {
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
        } satisfies ClientRepresentation);
        registered.push(audience);
      }
      return registered;
    },

    /**
     * The realm's exchange client: confidential, standard token exchange on, no flow of its own.
     * Its audience mappers and optional scopes are the tenant's allowed audiences and scopes, so
     * Keycloak itself cannot hand out more than the policy allows.
     */
    async ensureExchangeClient(realm: string, secret: string, allowed: { audiences: string[]; scopes: string[] }): Promise<boolean> {
      const representation = {
        clientId: exchangeClientId,
        name: 'sa-bridge token exchange',
        description: `Managed by sa-bridge (deployment ${options.deploymentId}): performs RFC 8693 exchanges under tenant policy`,
        enabled: true,
        publicClient: false,
        clientAuthenticatorType: 'client-secret',
        secret,
        standardFlowEnabled: false,
        implicitFlowEnabled: false,
        directAccessGrantsEnabled: false,
        serviceAccountsEnabled: false,
        fullScopeAllowed: true,
        attributes: { 'standard.token.exchange.enabled': 'true', [DEPLOYMENT_ATTRIBUTE]: options.deploymentId },
      } satisfies ClientRepresentation;
      let existing = await clients.findClientByClientId(realm, exchangeClientId);
      const created = !existing;
      if (existing) await keycloak.request('update exchange client', 'PUT', realmPath(realm, 'clients', existing.uuid), representation);
      else {
        await keycloak.request('create exchange client', 'POST', realmPath(realm, 'clients'), representation);
        existing = await clients.findClientByClientId(realm, exchangeClientId);
      }
      if (!existing) throw new Error('the exchange client was not created');
      await syncOwnMappers(keycloak, realm, existing.uuid, exchangeAudienceMappers(allowed.audiences));
      await syncOptionalScopes(keycloak, realm, existing.uuid, allowed.scopes, 'all');
      return created;
    },

    /**
     * What releasing a realm takes away: this deployment's exchange client, rotation policy and
     * `portal` mappers. Roles, the portal client, event settings and audience clients stay (others
     * may rely on them). Returns what it removed.
     */
    async removeDeploymentSetup(realm: string, portalClientId = 'portal'): Promise<string[]> {
      const removed: string[] = [];
      const exchange = await clients.findClientByClientId(realm, exchangeClientId);
      if (exchange) {
        await clients.deleteServiceAccountClient(realm, exchange.uuid);
        removed.push(`client ${exchangeClientId}`);
      }
      await replaceClientPolicies(realm, [rotationPolicy]);
      removed.push(`client policy ${rotationPolicy}`);
      const portal = await clients.findClientByClientId(realm, portalClientId);
      if (portal && (await syncOwnMappers(keycloak, realm, portal.uuid, [], portalMapperPrefix))) removed.push(`${portalClientId} mappers ${portalMapperPrefix}*`);
      return removed;
    },

    /**
     * The realm's `portal` client, for people: its tokens carry the bridge's audience (the bridge
     * refuses tokens without it) and the exchange client's (so people can exchange their token);
     * it signs people in to the console (authorization code with PKCE S256, redirects to
     * `<consoleUrl>/*`, CORS for the console's origin, logout back to the console) and CLIs with
     * the device authorization grant. The password grant stays. Redirect URIs and web origins that
     * others configured are kept; the ones set for an earlier console URL are replaced. Returns
     * false when the realm has no `portal` client.
     */
    async ensurePortalClient(realm: string, consoleUrl: string, portalClientId = 'portal'): Promise<boolean> {
      const found = await clients.findClientByClientId(realm, portalClientId);
      if (!found) return false;
      await syncOwnMappers(keycloak, realm, found.uuid, bridgeAudienceMappers(options, portalMapperPrefix), portalMapperPrefix);
      const path = realmPath(realm, 'clients', found.uuid);
      const { body: portal } = await keycloak.request<ClientRepresentation>('read portal client', 'GET', path);
      const wanted = portalSignIn(consoleUrl);
      const earlier = portal.attributes?.[CONSOLE_URL_ATTRIBUTE];
      const stale = earlier && earlier !== consoleUrl ? portalSignIn(earlier) : undefined;
      const merge = (current: string[] | undefined, add: string, drop: string | undefined) => [
        ...new Set([...(current ?? []).filter((value) => value !== drop), add]),
      ];
      const next: ClientRepresentation = {
        ...portal,
        standardFlowEnabled: true,
        redirectUris: merge(portal.redirectUris, wanted.redirectUri, stale?.redirectUri),
        webOrigins: merge(portal.webOrigins, wanted.webOrigin, stale?.webOrigin),
        attributes: {
          ...portal.attributes,
          'pkce.code.challenge.method': 'S256',
          'oauth2.device.authorization.grant.enabled': 'true',
          // "+": the redirect URIs are also the allowed post-logout redirects.
          'post.logout.redirect.uris': portal.attributes?.['post.logout.redirect.uris'] || '+',
          [CONSOLE_URL_ATTRIBUTE]: consoleUrl,
        },
      };
      const unchanged =
        portal.standardFlowEnabled === true &&
        JSON.stringify(next.redirectUris) === JSON.stringify(portal.redirectUris) &&
        JSON.stringify(next.webOrigins) === JSON.stringify(portal.webOrigins) &&
        JSON.stringify(next.attributes) === JSON.stringify(portal.attributes);
      if (!unchanged) await keycloak.request('update portal client', 'PUT', path, next);
      return true;
    },
  };
}

/** The portal client attribute naming the console URL the bridge last configured. */
export const CONSOLE_URL_ATTRIBUTE = 'sa-bridge.console-url';

/** What the console at `consoleUrl` (e.g. http://127.0.0.1:3000/console) needs of the portal client. */
export function portalSignIn(consoleUrl: string): { redirectUri: string; webOrigin: string } {
  return { redirectUri: `${consoleUrl}/*`, webOrigin: new URL(consoleUrl).origin };
}
