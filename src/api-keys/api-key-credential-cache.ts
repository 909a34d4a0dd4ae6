// The lookup every API-key request makes (the key, its service account and its tenant's policy),
// answered from memory, so a request made with a key costs what one made with an access token
// costs. The same rules as service-account-read-cache.ts:
//  - what is remembered of a key is dropped when this process writes a key, a service account or
//    a tenant policy (the repositories say so before the writer's caller hears back), and when
//    PostgreSQL announces a change to the key, its SA or its tenant (db/change-feed.ts), so a
//    revoke, a disable or keys switched off on one replica are refused on all of them at once;
//  - while the feed cannot vouch for the last second, every lookup goes to the database;
//  - a lookup that raced with a change is not remembered (generation counter).
// Only keys that exist are remembered, under their HMAC, never the key itself. Expiry is checked
// against the clock on every request by the caller, so a remembered key still expires on time.
import type { ChangeFeed } from '../db/change-feed.ts';
import type { ApiKeyCredentialRecord, ApiKeyRepository } from './api-key-repository.ts';

export function createApiKeyCredentialCache(
  repository: Pick<ApiKeyRepository, 'findForAuthentication'>,
  changes: Pick<ChangeFeed, 'isCurrent' | 'subscribe'>,
  localWrites: Array<(listener: () => void) => void>,
  options: { maxEntries?: number } = {},
): Pick<ApiKeyRepository, 'findForAuthentication'> {
  const maxEntries = options.maxEntries ?? 10_000;
  let generation = 0;
  const records = new Map<string, Readonly<ApiKeyCredentialRecord>>();

  const forgetEverything = () => {
    generation += 1;
    records.clear();
  };
  const forget = (matches: (record: ApiKeyCredentialRecord) => boolean) => {
    generation += 1;
    for (const [hash, record] of records) if (matches(record)) records.delete(hash);
  };
  for (const onWrite of localWrites) onWrite(forgetEverything);
  changes.subscribe((change) => {
    if (change.table === '*') forgetEverything();
    else if (change.table === 'api_keys') forget((record) => record.id === change.id);
    else if (change.table === 'service_accounts') forget((record) => record.serviceAccountId === change.id);
    else if (change.table === 'tenants') forget((record) => record.tenant === change.tenant);
  });

  return {
    async findForAuthentication(keyHash) {
      if (!changes.isCurrent()) return repository.findForAuthentication(keyHash);
      const hit = records.get(keyHash);
      // Frozen when remembered, so the same object is handed out without a copy.
      if (hit) return hit;
      const before = generation;
      const record = await repository.findForAuthentication(keyHash);
      if (record && generation === before && changes.isCurrent()) {
        // Oldest first out (a Map iterates in insertion order).
        if (records.size >= maxEntries) records.delete(records.keys().next().value!);
        records.set(keyHash, Object.freeze({ ...record }));
      }
      return record;
    },
  };
}
