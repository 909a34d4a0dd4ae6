// Which realms the bridge serves. Token verification asks on every request, so the answer comes
// from memory; a miss reloads from the database at most once per `reloadIntervalMs`, so a realm
// registered by another process is picked up without letting unknown issuers hammer the database.
import { randomBytes } from 'node:crypto';
import type { KeycloakAdmin } from '../keycloak/keycloak-admin.ts';
import type { SecretBox } from '../lib/secret-box.ts';
import type { TenantPolicy, TenantRecord, TenantRepository } from './tenant-repository.ts';

export interface TenantDirectoryOptions {
  platformRealm: string;
  reloadIntervalMs?: number;
  now?: () => number;
}

export class TenantDirectory {
  private known = new Set<string>();
  private lastLoad = 0;
  private loading: Promise<void> | undefined;
  private readonly now: () => number;
  private readonly reloadIntervalMs: number;

  private readonly exchangeSecrets = new Map<string, string>();
  private readonly policies = new Map<string, { policy: TenantPolicy | null; until: number }>();

  /**
   * The tenant policy for hot paths (token exchange), kept 5 s. A change made through this
   * process is seen at once (forgetPolicy); one made through another process within 5 s.
   */
  async policy(realm: string): Promise<TenantPolicy | null> {
    const cached = this.policies.get(realm);
    if (cached && cached.until > this.now()) return cached.policy;
    const policy = await this.repository.findPolicy(realm);
    this.policies.set(realm, { policy, until: this.now() + 5000 });
    return policy;
  }

  forgetPolicy(realm: string): void {
    this.policies.delete(realm);
  }

  constructor(
    private readonly repository: TenantRepository,
    private readonly options: TenantDirectoryOptions,
    private readonly keycloak?: KeycloakAdmin,
    private readonly secrets?: SecretBox,
  ) {
    this.now = options.now ?? Date.now;
    this.reloadIntervalMs = options.reloadIntervalMs ?? 5000;
  }

  async isKnownRealm(realm: string): Promise<boolean> {
    if (realm === this.options.platformRealm || this.known.has(realm)) return true;
    if (this.now() - this.lastLoad >= this.reloadIntervalMs) await this.reload();
    return this.known.has(realm);
  }

  async reload(): Promise<void> {
    this.loading ??= this.repository
      .listRealms()
      .then((realms) => {
        this.known = new Set(realms);
        this.lastLoad = this.now();
      })
      .finally(() => {
        this.loading = undefined;
      });
    return this.loading;
  }

  /**
   * Registers realms as tenants and configures them in Keycloak: the secret rotation policy
   * (from the tenant's stored limits) and CLIENT_LOGIN event storage for usage tracking.
   */
  async register(tenants: TenantRecord[]): Promise<void> {
    await this.repository.upsertTenants(tenants);
    if (this.keycloak) {
      for (const t of tenants) await this.configureRealm(t.realm);
    }
    for (const t of tenants) this.known.add(t.realm);
  }

  async configureRealm(realm: string): Promise<void> {
    const policy = await this.repository.findPolicy(realm);
    if (!policy || !this.keycloak) return;
    await this.keycloak.ensureSecretRotationPolicy(realm, {
      maxSecretAgeSeconds: policy.maxSecretAgeSeconds,
      maxGraceSeconds: policy.maxGracePeriodSeconds,
    });
    await this.keycloak.enableClientLoginEvents(realm, 30 * 86_400);
    // Before the exchange client, whose audience mappers name these clients.
    const registered = await this.keycloak.ensureAudienceClients(realm, policy.allowedAudiences);
    if (registered.join('\n') !== policy.registeredAudiences.join('\n')) await this.repository.setRegisteredAudiences(realm, registered);
    if (this.secrets) {
      await this.keycloak.ensureExchangeClient(realm, await this.exchangeSecret(realm), {
        audiences: policy.allowedAudiences,
        scopes: policy.allowedScopes,
      });
    }
    await this.keycloak.ensurePortalAudiences(realm);
  }

  /** The realm's exchange-client secret, generated once and kept sealed in the tenant row. */
  async exchangeSecret(realm: string): Promise<string> {
    if (!this.secrets) throw new Error('no secret box configured');
    const cached = this.exchangeSecrets.get(realm);
    if (cached) return cached;
    const sealed = await this.repository.exchangeSecret(realm);
    let secret: string | undefined;
    try {
      if (sealed) secret = this.secrets.open(sealed, `exchange:${realm}`);
    } catch {
      // Sealed under another server key (the key changed): a new secret is made, and
      // configureRealm, which runs at start, sets it on the Keycloak client.
    }
    if (!secret) {
      secret = randomBytes(32).toString('base64url');
      await this.repository.setExchangeSecret(realm, this.secrets.seal(secret, `exchange:${realm}`));
    }
    this.exchangeSecrets.set(realm, secret);
    return secret;
  }

  /** Registers every realm the bridge's admin client can manage as a tenant. */
  async syncFromKeycloak(): Promise<string[]> {
    if (!this.keycloak) return [];
    const realms = await this.keycloak.listManagedRealms();
    await this.register(realms.map((r) => ({ realm: r.realm, displayName: r.displayName })));
    return realms.map((r) => r.realm);
  }
}
