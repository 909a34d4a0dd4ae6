// Listing and reading service accounts: any role of the tenant may; nothing is audited.
import { decodeCursor, encodeCursor } from '../../lib/cursor.ts';
import { DAY_MS } from '../rotation-policy.ts';
import type { ServiceAccountRow } from '../service-account-repository.ts';
import type { ListServiceAccountsQuery } from '../service-account-schemas.ts';
import { authorize, findLiveOrFail, type ServiceAccountContext, type ServiceAccountDeps } from './context.ts';

export async function listServiceAccounts(
  deps: Pick<ServiceAccountDeps, 'repository' | 'audit'>,
  ctx: ServiceAccountContext,
  query: ListServiceAccountsQuery,
): Promise<{ items: ServiceAccountRow[]; nextCursor: string | null }> {
  await authorize(deps, ctx, 'read');
  const rows = await deps.repository.list({
    tenant: ctx.tenant,
    limit: query.limit,
    after: query.cursor ? decodeCursor(query.cursor) : undefined,
    q: query.q,
    status: query.status,
    unusedSince: query.unused_for_days ? new Date(Date.now() - query.unused_for_days * DAY_MS) : undefined,
  });
  const items = rows.slice(0, query.limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > query.limit && last ? encodeCursor({ time: last.createdAt, id: last.id }) : null };
}

export async function getServiceAccount(deps: Pick<ServiceAccountDeps, 'reads' | 'audit'>, ctx: ServiceAccountContext, id: string): Promise<ServiceAccountRow> {
  await authorize(deps, ctx, 'read');
  return findLiveOrFail({ repository: deps.reads }, ctx, id);
}
