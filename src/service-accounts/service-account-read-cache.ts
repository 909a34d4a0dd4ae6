// The two reads on the bridge's hottest paths, answered from memory: which service account a
// token is about (every authenticated request and every exchange), and one SA by id (portals
// poll it). Writers never read through here: they read the database and compare-and-set.
//
// What is remembered is dropped
//  - on every write this process makes (the repository says so after the statement, and again
//    after a transaction commits), so a caller reads its own writes;
//  - when PostgreSQL announces a change committed by anyone (db/change-feed.ts), within
//    milliseconds, so a disable or delete on one replica is refused on all of them;
//  - entirely, when the feed reconnects.
// While the feed cannot vouch for the last second (isCurrent() false), every read goes to the
// database, so no answer from here is ever more than a second older than the database.
//
// A read that raced with a change is not remembered: each read notes a generation counter before
// it asks the database and stores its answer only if nothing was dropped meanwhile.
import type { ServiceAccountLookup, ServiceAccountMatch } from '../auth/service-account-identity.ts';
import type { ChangeFeed } from '../db/change-feed.ts';
import type { ServiceAccountRepository, ServiceAccountRow } from './service-account-repository.ts';

export interface ServiceAccountReads extends ServiceAccountLookup {
  /** A live SA of the tenant (provisioning and deleted ones are not found). */
  findLive(tenant: string, id: string): Promise<ServiceAccountRow | null>;
}

export function createServiceAccountReadCache(
  repository: Pick<ServiceAccountRepository, 'findLive' | 'findByTokenSubject' | 'onWrite'>,
  changes: Pick<ChangeFeed, 'isCurrent' | 'subscribe'>,
  options: { maxEntries?: number } = {},
): ServiceAccountReads {
  const maxEntries = options.maxEntries ?? 10_000;
  let generation = 0;
  const rows = new Map<string, ServiceAccountRow>();
  // tenant -> "subject client_id" -> matches; a change to any SA of a tenant drops the tenant's map,
  // since a new or changed row can change the answer for any subject.
  const identities = new Map<string, Map<string, readonly ServiceAccountMatch[]>>();

  const forgetEverything = () => {
    generation += 1;
    rows.clear();
    identities.clear();
  };
  repository.onWrite(forgetEverything);
  changes.subscribe((change) => {
    if (change.table === '*') return forgetEverything();
    if (change.table !== 'service_accounts') return;
    generation += 1;
    rows.delete(change.id);
    identities.delete(change.tenant);
  });

  function remember<V>(map: Map<string, V>, key: string, value: V): void {
    // Oldest first out (a Map iterates in insertion order).
    if (map.size >= maxEntries) map.delete(map.keys().next().value!);
    map.set(key, value);
  }

  return {
    async findLive(tenant, id) {
      if (!changes.isCurrent()) return repository.findLive(tenant, id);
      const hit = rows.get(id);
      if (hit) return hit.tenant === tenant ? hit : null;
      const before = generation;
      const row = await repository.findLive(tenant, id);
      if (row && generation === before && changes.isCurrent()) remember(rows, id, Object.freeze(row));
      return row;
    },

    async findByTokenSubject(tenant, subject, clientId) {
      if (!changes.isCurrent()) return repository.findByTokenSubject(tenant, subject, clientId);
      const key = `${subject} ${clientId ?? ''}`;
      const hit = identities.get(tenant)?.get(key);
      if (hit) return hit as ServiceAccountMatch[];
      const before = generation;
      const matches = Object.freeze(await repository.findByTokenSubject(tenant, subject, clientId));
      if (generation === before && changes.isCurrent()) {
        let ofTenant = identities.get(tenant);
        if (!ofTenant) identities.set(tenant, (ofTenant = new Map()));
        remember(ofTenant, key, matches);
      }
      return matches as ServiceAccountMatch[];
    },
  };
}
