// Listing and reading tenants: cpi-admin; a tenant-admin may read its own tenant.
import { hasAtLeast } from '../../auth/roles.ts';
import { AppError, InsufficientRoleError } from '../../errors/app-error.ts';
import type { ServiceAccountCounts, TenantRow } from '../tenant-repository.ts';
import { findTenantOrFail, type TenantContext, type TenantDeps } from './context.ts';

export interface TenantWithCounts {
  tenant: TenantRow;
  counts: ServiceAccountCounts;
}

export function encodeTenantCursor(realm: string): string {
  return Buffer.from(realm, 'utf8').toString('base64url');
}

function decodeTenantCursor(value: string): string {
  const realm = /^[A-Za-z0-9_-]{1,512}$/.test(value) ? Buffer.from(value, 'base64url').toString('utf8') : '';
  if (!/^[A-Za-z0-9._-]{1,255}$/.test(realm)) throw new AppError('invalid_cursor', 'The cursor is not one this API returned');
  return realm;
}

export async function listTenants(deps: Pick<TenantDeps, 'repository'>, ctx: TenantContext, query: { limit: number; cursor?: string }) {
  if (ctx.principal.role !== 'cpi-admin') throw new InsufficientRoleError('Only cpi-admin may list tenants');
  const rows = await deps.repository.listTenants(query.limit, query.cursor ? decodeTenantCursor(query.cursor) : undefined);
  const page = rows.slice(0, query.limit);
  const counts = await deps.repository.serviceAccountCounts(page.map((row) => row.realm));
  const last = page.at(-1);
  return {
    items: page.map((tenant) => ({ tenant, counts: counts.get(tenant.realm)! })),
    nextCursor: rows.length > query.limit && last ? encodeTenantCursor(last.realm) : null,
  };
}

export async function getTenant(deps: Pick<TenantDeps, 'repository'>, ctx: TenantContext, realm: string): Promise<TenantWithCounts> {
  const own = ctx.principal.realm === realm && hasAtLeast(ctx.principal.role, 'tenant-admin');
  if (ctx.principal.role !== 'cpi-admin' && !own) throw new InsufficientRoleError('Reading a tenant needs tenant-admin of that tenant, or cpi-admin');
  const tenant = await findTenantOrFail(deps, realm);
  return { tenant, counts: (await deps.repository.serviceAccountCounts([realm])).get(realm)! };
}
