// Registers realms as tenants and configures each one in Keycloak (realm-setup.ts): secret
// rotation from the tenant's stored limits, CLIENT_LOGIN and admin event storage (usage and owner
// changes), a resource client for each allowed audience, this deployment's exchange client with
// the policy's allow-lists, and the `portal` client (bridge audiences, console sign-in). Also
// keeps each realm's exchange-client secret, sealed.
import { randomBytes } from 'node:crypto';
import type { RealmDirectory } from '../keycloak/realm-directory.ts';
import type { RealmSetup } from '../keycloak/realm-setup.ts';
import type { SecretBox } from '../lib/secret-box.ts';
import type { TenantRegistry } from './tenant-registry.ts';
import type { TenantRecord, TenantRepository } from './tenant-repository.ts';

/** How long Keycloak keeps the events that usage tracking and owner-change detection read. */
const EVENT_RETENTION_SECONDS = 30 * 86_400;

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

  const openSealed = (realm: string, sealed: string | null): string | undefined => {
    try {
      return sealed ? deps.secrets.open(sealed, `exchange:${realm}`) : undefined;
    } catch {
      // Sealed under another server key (the key changed).
      return undefined;
    }
  };

  /**
   * The realm's exchange-client secret, generated once and kept sealed in the tenant row. Replicas
   * starting together on a new database each find none: the row keeps the first one written
   * (compare-and-set) and every replica uses that one, which configureRealm sets on the client.
   */
  async function exchangeSecret(realm: string): Promise<string> {
    const cached = exchangeSecrets.get(realm);
    if (cached) return cached;
    const sealed = await deps.repository.exchangeSecret(realm);
    let secret = openSealed(realm, sealed);
    if (!secret) {
      const fresh = randomBytes(32).toString('base64url');
      const stored = await deps.repository.replaceExchangeSecret(realm, sealed, deps.secrets.seal(fresh, `exchange:${realm}`));
      // Unreadable even now: a replica with another server key wrote it (a misconfiguration).
      secret = openSealed(realm, stored) ?? fresh;
    }
    exchangeSecrets.set(realm, secret);
    return secret;
  }

  /**
   * Configures the realm for its stored policy; returns what did not exist before (for adoption).
   * One replica at a time per realm (whileConfiguringRealm).
   */
  function configureRealm(realm: string): Promise<string[]> {
    return deps.repository.whileConfiguringRealm(realm, () => configureRealmNow(realm));
  }

  async function configureRealmNow(realm: string): Promise<string[]> {
    const policy = await deps.repository.findPolicy(realm);
    if (!policy) return [];
    const { realmSetup } = deps;
    const added: string[] = [];
    if (await realmSetup.ensureSecretRotationPolicy(realm, { maxSecretAgeSeconds: policy.maxSecretAgeSeconds, maxGraceSeconds: policy.maxGracePeriodSeconds })) {
      added.push('secret rotation client policy');
    }
    added.push(...(await realmSetup.enableEventStorage(realm, EVENT_RETENTION_SECONDS)));
    // Before the exchange client, whose audience mappers name these clients.
    const registered = await realmSetup.ensureAudienceClients(realm, policy.allowedAudiences);
    if (registered.join('\n') !== policy.registeredAudiences.join('\n')) await deps.repository.setRegisteredAudiences(realm, registered);
    const exchange = { audiences: policy.allowedAudiences, scopes: policy.allowedScopes };
    if (await realmSetup.ensureExchangeClient(realm, await exchangeSecret(realm), exchange)) added.push(`client ${realmSetup.exchangeClientId}`);
    await realmSetup.ensurePortalClient(realm, deps.consoleUrl);
    return added;
  }

  async function register(tenants: TenantRecord[]): Promise<string[]> {
    const active = await deps.repository.upsertTenants(tenants);
    for (const realm of active) await configureRealm(realm);
    deps.registry.add(active);
    return active;
  }

  return {
    exchangeSecret,
    configureRealm,
    register,
    /** Forgets a realm's exchange secret (the tenant is gone). */
    forget(realm: string): void {
      exchangeSecrets.delete(realm);
      deps.registry.remove(realm);
    },

    /** Registers every realm the bridge's admin client can manage as a tenant (deleted or released ones stay so). */
    async syncFromKeycloak(): Promise<string[]> {
      const realms = await deps.realms.listManagedRealms();
      return register(realms.map((r) => ({ realm: r.realm, displayName: r.displayName })));
    },
  };
}
