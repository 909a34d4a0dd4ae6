// Registers realms as tenants and configures each one in Keycloak (realm-setup.ts): secret
// rotation from the tenant's stored limits, CLIENT_LOGIN events for usage, a resource client for
// each allowed audience, the exchange client with the policy's allow-lists, and the `portal`
// client (bridge audiences, console sign-in). Also keeps each realm's exchange-client secret, sealed.
import { randomBytes } from 'node:crypto';
import type { RealmDirectory } from '../keycloak/realm-directory.ts';
import type { RealmSetup } from '../keycloak/realm-setup.ts';
import type { SecretBox } from '../lib/secret-box.ts';
import type { TenantRegistry } from './tenant-registry.ts';
import type { TenantRecord, TenantRepository } from './tenant-repository.ts';

/** How long Keycloak keeps the CLIENT_LOGIN events that usage tracking reads. */
const LOGIN_EVENT_RETENTION_SECONDS = 30 * 86_400;

export interface TenantSetupDeps {
  repository: TenantRepository;
  registry: TenantRegistry;
  realmSetup: RealmSetup;
  realms: RealmDirectory;
  secrets: SecretBox;
  /** Where the console is served (`<PUBLIC_URL>/console`): the portal client signs people in there. */
  consoleUrl: string;
}

export type TenantSetup = ReturnType<typeof createTenantSetup>;

export function createTenantSetup(deps: TenantSetupDeps) {
  const exchangeSecrets = new Map<string, string>();

  /** The realm's exchange-client secret, generated once and kept sealed in the tenant row. */
  async function exchangeSecret(realm: string): Promise<string> {
    const cached = exchangeSecrets.get(realm);
    if (cached) return cached;
    const sealed = await deps.repository.exchangeSecret(realm);
    let secret: string | undefined;
    try {
      if (sealed) secret = deps.secrets.open(sealed, `exchange:${realm}`);
    } catch {
      // Sealed under another server key (the key changed): a new secret is made, and
      // configureRealm, which runs at start, sets it on the Keycloak client.
    }
    if (!secret) {
      secret = randomBytes(32).toString('base64url');
      await deps.repository.setExchangeSecret(realm, deps.secrets.seal(secret, `exchange:${realm}`));
    }
    exchangeSecrets.set(realm, secret);
    return secret;
  }

  async function configureRealm(realm: string): Promise<void> {
    const policy = await deps.repository.findPolicy(realm);
    if (!policy) return;
    const { realmSetup } = deps;
    await realmSetup.ensureSecretRotationPolicy(realm, { maxSecretAgeSeconds: policy.maxSecretAgeSeconds, maxGraceSeconds: policy.maxGracePeriodSeconds });
    await realmSetup.enableClientLoginEvents(realm, LOGIN_EVENT_RETENTION_SECONDS);
    // Before the exchange client, whose audience mappers name these clients.
    const registered = await realmSetup.ensureAudienceClients(realm, policy.allowedAudiences);
    if (registered.join('\n') !== policy.registeredAudiences.join('\n')) await deps.repository.setRegisteredAudiences(realm, registered);
    await realmSetup.ensureExchangeClient(realm, await exchangeSecret(realm), { audiences: policy.allowedAudiences, scopes: policy.allowedScopes });
    await realmSetup.ensurePortalClient(realm, deps.consoleUrl);
  }

  async function register(tenants: TenantRecord[]): Promise<void> {
    await deps.repository.upsertTenants(tenants);
    for (const t of tenants) await configureRealm(t.realm);
    deps.registry.add(tenants.map((t) => t.realm));
  }

  return {
    exchangeSecret,
    configureRealm,
    register,

    /** Registers every realm the bridge's admin client can manage as a tenant. */
    async syncFromKeycloak(): Promise<string[]> {
      const realms = await deps.realms.listManagedRealms();
      await register(realms.map((r) => ({ realm: r.realm, displayName: r.displayName })));
      return realms.map((r) => r.realm);
    },
  };
}
