// What a client's tokens look like beyond its roles: protocol mappers (audiences, static claims)
// and optional client scopes. The sync of both is written once here and used for SA clients, the
// exchange client and the portal client. Only mappers named with our prefix are ever touched.
import type ClientScopeRepresentation from '@keycloak/keycloak-admin-client/lib/defs/clientScopeRepresentation.js';
import type ProtocolMapperRepresentation from '@keycloak/keycloak-admin-client/lib/defs/protocolMapperRepresentation.js';
import { realmPath, type AdminTransport } from './admin-transport.ts';
import { KeycloakConflictError } from './keycloak-errors.ts';

export const MAPPER_PREFIX = 'sa-bridge:';

/**
 * Who the bridge is in Keycloak: the audience its tokens carry and its deployment id. Every client
 * it manages carries the deployment id, and what two deployments could share in one realm (the
 * exchange client, the rotation policy, mappers on the `portal` client) is named after it, so
 * bridges with their own databases on one Keycloak never rewrite or delete each other's.
 */
export interface BridgeIdentity {
  bridgeAudience: string;
  deploymentId: string;
}

/** The realm client a deployment performs token exchange as (Keycloak's standard token exchange). */
export function exchangeClientIdFor(deploymentId: string): string {
  return `sa-bridge-exchange-${deploymentId}`;
}

/** The prefix of the mappers a deployment owns on a client it shares with others (`portal`). */
export function deploymentMapperPrefix(deploymentId: string): string {
  return `${MAPPER_PREFIX}${deploymentId}:`;
}

/** What a service account's tokens look like, beyond its role. */
export interface TokenShape {
  accessTokenTtl: number;
  scopes: string[];
  claims: Record<string, string>;
  audiences: string[];
}

export interface ProtocolMapper {
  name: string;
  protocol: string;
  protocolMapper: string;
  config: Record<string, string>;
}

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

function audienceMapper(name: string, config: Record<string, string>, prefix = MAPPER_PREFIX): ProtocolMapper {
  return { name: `${prefix}${name}`, protocol: 'openid-connect', protocolMapper: 'oidc-audience-mapper', config: { ...config, ...inAccessToken } };
}

/**
 * The audiences every token meant for the bridge carries: the bridge's own (it refuses tokens
 * without it) and the exchange client's (standard token exchange accepts a subject token only if
 * the requester is in its audience). Custom audiences: they need no client of that name, so realm
 * imports can carry these mappers. Given to SA clients and, named with the deployment's prefix,
 * to the realm's `portal` client.
 */
export function bridgeAudienceMappers(bridge: BridgeIdentity, prefix = MAPPER_PREFIX): ProtocolMapper[] {
  return [
    audienceMapper('bridge-audience', { 'included.custom.audience': bridge.bridgeAudience }, prefix),
    audienceMapper('exchange-audience', { 'included.custom.audience': exchangeClientIdFor(bridge.deploymentId) }, prefix),
  ];
}

/** Every mapper an SA client carries: the bridge audiences, its static claims and its audiences. */
export function tokenMappers(shape: Pick<TokenShape, 'claims' | 'audiences'>, bridge: BridgeIdentity): ProtocolMapper[] {
  return [
    ...bridgeAudienceMappers(bridge),
    ...Object.entries(shape.claims).map(([name, value]) => ({
      name: `${MAPPER_PREFIX}claim:${name}`,
      protocol: 'openid-connect',
      protocolMapper: 'oidc-hardcoded-claim-mapper',
      config: { 'claim.name': name, 'claim.value': value, 'jsonType.label': 'String', ...inAccessToken },
    })),
    ...shape.audiences.map((audience) => audienceMapper(`aud:${audience}`, { 'included.custom.audience': audience })),
  ];
}

/** Audience mappers of the exchange client: one per allowed audience, each naming a realm client. */
export function exchangeAudienceMappers(audiences: string[]): ProtocolMapper[] {
  return audiences.map((audience) => ({
    name: `${MAPPER_PREFIX}aud:${audience}`,
    protocol: 'openid-connect',
    protocolMapper: 'oidc-audience-mapper',
    config: { 'included.client.audience': audience, 'access.token.claim': 'true', 'introspection.token.claim': 'true' },
  }));
}

// Keycloak adds defaults to a stored mapper's config, so only the keys we set are compared.
const sameMapper = (a: ProtocolMapperRepresentation, b: ProtocolMapper) =>
  a.name === b.name && a.protocolMapper === b.protocolMapper && Object.entries(b.config).every(([key, value]) => a.config?.[key] === value);

/** The names of our mappers (`prefix`) that differ from `wanted`, and of wanted ones missing; empty when in step. */
export function mapperDifferences(current: ProtocolMapperRepresentation[], wanted: ProtocolMapper[], prefix = MAPPER_PREFIX): string[] {
  const ours = current.filter((m) => m.id && m.name?.startsWith(prefix));
  return [
    ...ours.filter((m) => !wanted.some((w) => sameMapper(m, w))).map((m) => m.name!),
    ...wanted.filter((w) => !ours.some((m) => sameMapper(m, w))).map((w) => w.name),
  ];
}

/**
 * Makes the client's mappers named with `prefix` exactly `wanted`: ours that differ are removed,
 * missing ones added; mappers of others are left alone. Returns whether anything changed. Two
 * bridges configuring one realm at once can race (409 on add): then it looks again, once.
 */
export async function syncOwnMappers(
  keycloak: AdminTransport,
  realm: string,
  clientUuid: string,
  wanted: ProtocolMapper[],
  prefix = MAPPER_PREFIX,
  retried = false,
): Promise<boolean> {
  try {
    const mappers = realmPath(realm, 'clients', clientUuid, 'protocol-mappers', 'models');
    const { body: current } = await keycloak.request<ProtocolMapperRepresentation[]>('list protocol mappers', 'GET', mappers);
    const ours = current.filter((m) => m.id && m.name?.startsWith(prefix));
    const stale = ours.filter((m) => !wanted.some((w) => sameMapper(m, w)));
    for (const mapper of stale) {
      await keycloak.request('delete protocol mapper', 'DELETE', realmPath(realm, 'clients', clientUuid, 'protocol-mappers', 'models', mapper.id!));
    }
    const missing = wanted.filter((w) => !ours.some((m) => sameMapper(m, w)));
    if (missing.length > 0) {
      await keycloak.request('add protocol mappers', 'POST', realmPath(realm, 'clients', clientUuid, 'protocol-mappers', 'add-models'), missing);
    }
    return stale.length + missing.length > 0;
  } catch (error) {
    if (!(error instanceof KeycloakConflictError) || retried) throw error;
    return syncOwnMappers(keycloak, realm, clientUuid, wanted, prefix, true);
  }
}

/** Creates the realm's client scopes that do not exist yet (token scopes, no consent); returns name -> id. */
export async function ensureClientScopes(keycloak: AdminTransport, realm: string, names: string[]): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  if (names.length === 0) return ids;
  const list = async () => (await keycloak.request<ClientScopeRepresentation[]>('list client scopes', 'GET', realmPath(realm, 'client-scopes'))).body;
  for (const scope of await list()) if (scope.name && scope.id) ids.set(scope.name, scope.id);
  const missing = names.filter((name) => !ids.has(name));
  let raced = false;
  for (const name of missing) {
    try {
      const created = await keycloak.request('create client scope', 'POST', realmPath(realm, 'client-scopes'), {
        name,
        protocol: 'openid-connect',
        attributes: { 'include.in.token.scope': 'true', 'display.on.consent.screen': 'false' },
      });
      const id = created.location?.split('/').pop();
      if (id) ids.set(name, id);
    } catch (error) {
      // Another request created it a moment ago.
      if (!(error instanceof KeycloakConflictError)) throw error;
      raced = true;
    }
  }
  if (raced) for (const scope of await list()) if (scope.name && scope.id) ids.set(scope.name, scope.id);
  return ids;
}

/**
 * Makes the client's optional scopes among `managed` exactly `wanted` (scopes outside `managed`,
 * such as the realm's default optional scopes, stay). `managed: 'all'` manages every optional
 * scope of the client (the exchange client, whose optional scopes are the tenant's allow-list).
 */
export async function syncOptionalScopes(keycloak: AdminTransport, realm: string, clientUuid: string, wanted: string[], managed: string[] | 'all'): Promise<void> {
  const path = realmPath(realm, 'clients', clientUuid, 'optional-client-scopes');
  const { body: current } = await keycloak.request<ClientScopeRepresentation[]>('list optional scopes', 'GET', path);
  const ids = await ensureClientScopes(keycloak, realm, wanted);
  for (const scope of current) {
    const ours = managed === 'all' || managed.includes(scope.name ?? '');
    if (scope.id && scope.name && ours && !wanted.includes(scope.name)) {
      await keycloak.request('remove optional scope', 'DELETE', `${path}/${encodeURIComponent(scope.id)}`);
    }
  }
  await addOptionalScopes(
    keycloak,
    realm,
    clientUuid,
    wanted.filter((name) => !current.some((scope) => scope.name === name)).flatMap((name) => ids.get(name) ?? []),
  );
}

/** Adds realm client scopes (by id) as optional scopes of a client; its default scopes stay. */
export async function addOptionalScopes(keycloak: AdminTransport, realm: string, clientUuid: string, scopeIds: string[]): Promise<void> {
  await Promise.all(
    scopeIds.map((scopeId) => keycloak.request('add optional scope', 'PUT', realmPath(realm, 'clients', clientUuid, 'optional-client-scopes', scopeId))),
  );
}
