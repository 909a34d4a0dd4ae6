// Usage: Keycloak's CLIENT_LOGIN events folded into each SA's `last_used_at`, per tenant, from a
// cursor stored with the tenant (the time of the newest event already folded in).
import type { ClientLoginEvents } from '../keycloak/client-login-events.ts';
import type { ServiceAccountRepository } from '../service-accounts/service-account-repository.ts';
import type { TenantRepository } from '../tenants/tenant-repository.ts';

export interface CollectUsageDeps {
  repository: Pick<ServiceAccountRepository, 'recordLastUsed'>;
  tenants: Pick<TenantRepository, 'listRealms' | 'usageCursor' | 'setUsageCursor'>;
  events: ClientLoginEvents;
}

/** Returns how many SA rows moved. */
export async function collectUsage(deps: CollectUsageDeps): Promise<number> {
  let updated = 0;
  for (const realm of await deps.tenants.listRealms()) {
    const since = await deps.tenants.usageCursor(realm);
    const events = await deps.events.listClientLogins(realm, since);
    if (events.length === 0) continue;
    const latest = new Map<string, Date>();
    for (const e of events) if (!latest.has(e.clientId) || latest.get(e.clientId)! < e.time) latest.set(e.clientId, e.time);
    for (const [clientId, time] of latest) updated += await deps.repository.recordLastUsed(realm, clientId, time);
    await deps.tenants.setUsageCursor(realm, new Date(Math.max(...events.map((e) => e.time.getTime()))));
  }
  return updated;
}
