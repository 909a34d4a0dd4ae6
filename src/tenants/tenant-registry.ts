// Which realms the bridge serves. Token verification asks on every request, so the answer comes
// from memory; a miss reloads from the database at most once per `reloadIntervalMs`, so a realm
// registered by another process is picked up without letting unknown issuers hammer the database.
// A hit older than `refreshAfterMs` reloads in the background, so a tenant another process deleted
// or released stops being served within that time. With a change feed, any change to the tenants
// table (here or on another replica) reloads at once.
import type { ChangeFeed } from '../db/change-feed.ts';
import type { TenantRepository } from './tenant-repository.ts';

export interface TenantRegistryOptions {
  platformRealm: string;
  reloadIntervalMs?: number;
  refreshAfterMs?: number;
  now?: () => number;
  changes?: Pick<ChangeFeed, 'subscribe'>;
}

export class TenantRegistry {
  private known = new Set<string>();
  private lastLoad = 0;
  private loading: Promise<void> | undefined;
  private readonly now: () => number;
  private readonly reloadIntervalMs: number;
  private readonly refreshAfterMs: number;

  constructor(
    private readonly repository: Pick<TenantRepository, 'listRealms'>,
    private readonly options: TenantRegistryOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.reloadIntervalMs = options.reloadIntervalMs ?? 5000;
    this.refreshAfterMs = options.refreshAfterMs ?? this.reloadIntervalMs;
    options.changes?.subscribe((change) => {
      if (change.table === 'tenants' || change.table === '*') void this.reload().catch(() => undefined);
    });
  }

  async isKnownRealm(realm: string): Promise<boolean> {
    if (realm === this.options.platformRealm) return true;
    if (this.known.has(realm)) {
      if (this.now() - this.lastLoad >= this.refreshAfterMs) void this.reload().catch(() => undefined);
      return true;
    }
    if (this.now() - this.lastLoad >= this.reloadIntervalMs) await this.reload();
    return this.known.has(realm);
  }

  /** Marks realms known at once (this process registered them). */
  add(realms: string[]): void {
    for (const realm of realms) this.known.add(realm);
  }

  /** Forgets a realm at once (this process deleted or released it). */
  remove(realm: string): void {
    this.known.delete(realm);
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
}
