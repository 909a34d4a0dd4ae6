// Which SA owners to check in a tenant this pass, and what Keycloak says of each. Keycloak's admin
// events (stored in every tenant realm) name the users whose roles, groups or state changed since
// the last pass; a change to a role or a group can touch anyone, so it asks for a full check, as
// does the first pass and every `fullCheckIntervalMs` (the fallback when events are lost).
import { grantableRole } from '../auth/permissions.ts';
import { resolveRole } from '../auth/roles.ts';
import type { RoleNames } from '../config.ts';
import type { RealmAdmin } from '../keycloak/realm-admin.ts';
import type { OwnerVerdict } from '../service-accounts/use-cases/follow-owner-change.ts';
import type { TenantRepository } from '../tenants/tenant-repository.ts';

export interface OwnerWatchDeps {
  tenants: Pick<TenantRepository, 'adminEventsCursor' | 'setAdminEventsCursor'>;
  realmAdmin: Pick<RealmAdmin, 'listAdminEvents' | 'readOwner'>;
  roleNames: RoleNames;
  platformRealm: string;
  fullCheckIntervalMs: number;
  now?: () => number;
}

const userPath = /^users\/([0-9a-fA-F-]{36})(?:\/|$)/;

export class OwnerWatch {
  private readonly lastFullCheck = new Map<string, number>();
  private readonly now: () => number;

  constructor(private readonly deps: OwnerWatchDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** The owner ids to check in `realm` now: 'all', or those admin events named since the last pass. */
  async ownersToCheck(realm: string): Promise<'all' | Set<string>> {
    const since = await this.deps.tenants.adminEventsCursor(realm);
    const startedAt = new Date(this.now());
    const events = await this.deps.realmAdmin.listAdminEvents(realm, since);
    const newest = events.at(-1)?.time;
    if (newest) await this.deps.tenants.setAdminEventsCursor(realm, newest);
    else if (!since) await this.deps.tenants.setAdminEventsCursor(realm, startedAt);
    const last = this.lastFullCheck.get(realm);
    const due = !since || last === undefined || this.now() - last >= this.deps.fullCheckIntervalMs;
    const broad = events.some((e) => ['REALM_ROLE', 'GROUP', 'CLIENT_SCOPE_MAPPING', 'REALM_SCOPE_MAPPING'].includes(e.resourceType) && e.operationType !== 'CREATE');
    if (due || broad) {
      this.lastFullCheck.set(realm, this.now());
      return 'all';
    }
    const named = new Set<string>();
    for (const e of events) {
      const id = userPath.exec(e.resourcePath)?.[1];
      if (id && ['USER', 'REALM_ROLE_MAPPING', 'GROUP_MEMBERSHIP', 'CLIENT_ROLE_MAPPING'].includes(e.resourceType)) named.add(id);
    }
    return named;
  }

  /**
   * What an owner may still pass on in `tenant`. A person acting on a tenant from the platform
   * realm (cpi-admin with ?tenant=) lives there, so a user missing from the tenant is looked up in
   * the platform realm before being called deleted.
   */
  async verdict(tenant: string, ownerId: string): Promise<OwnerVerdict> {
    const { realmAdmin, roleNames, platformRealm } = this.deps;
    let realm = tenant;
    let owner = await realmAdmin.readOwner(tenant, ownerId);
    if (owner.state === 'deleted' && tenant !== platformRealm) {
      const platformOwner = await realmAdmin.readOwner(platformRealm, ownerId);
      if (platformOwner.state !== 'deleted') {
        owner = platformOwner;
        realm = platformRealm;
      }
    }
    if (owner.state === 'deleted') return { state: 'deleted', grantable: null };
    const role = resolveRole(owner.realmRoles, realm, platformRealm, roleNames);
    const grantable = role ? (grantableRole(role, undefined, tenant === platformRealm) ?? null) : null;
    return { state: owner.state, grantable: owner.state === 'enabled' ? grantable : null };
  }

  /** Forgets a realm's schedule (the tenant is gone). */
  forget(realm: string): void {
    this.lastFullCheck.delete(realm);
  }
}
