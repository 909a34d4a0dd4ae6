// Which realms the bridge serves. Token verification asks on every request, so the answer comes
// from memory; a miss reloads from the database at most once per `reloadIntervalMs`, so a realm
// registered by another process is picked up without letting unknown issuers hammer the database.
import type { KeycloakAdmin } from '../keycloak/keycloak-admin.ts';
import type { TenantRecord, TenantRepository } from './tenant-repository.ts';

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

  constructor(
    private readonly repository: TenantRepository,
    private readonly options: TenantDirectoryOptions,
    private readonly keycloak?: KeycloakAdmin,
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
  }

  /** Registers every realm the bridge's admin client can manage as a tenant. */
  async syncFromKeycloak(): Promise<string[]> {
    if (!this.keycloak) return [];
    const realms = await this.keycloak.listManagedRealms();
    await this.register(realms.map((r) => ({ realm: r.realm, displayName: r.displayName })));
    return realms.map((r) => r.realm);
  }
}
