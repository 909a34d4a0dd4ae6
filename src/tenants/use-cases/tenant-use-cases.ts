// The tenant use cases bound to their dependencies, as the routes and the reconciler call them.
import type { AuditContext } from '../../audit/audit-service.ts';
import type { TenantRow } from '../tenant-repository.ts';
import type { AdoptTenantInput, CreateTenantInput, UpdateTenantInput } from '../tenant-schemas.ts';
import { adoptTenant } from './adopt-tenant.ts';
import type { TenantContext, TenantDeps } from './context.ts';
import { createTenant } from './create-tenant.ts';
import { completeTenantDeletion, deleteTenant } from './delete-tenant.ts';
import { getTenant, listTenants } from './read-tenants.ts';
import { updateTenant } from './update-tenant.ts';

export type TenantUseCases = ReturnType<typeof bindTenantUseCases>;

export function bindTenantUseCases(deps: TenantDeps & { minSecretAgeSeconds: number }) {
  return {
    create: (ctx: TenantContext, input: CreateTenantInput) => createTenant(deps, ctx, input),
    adopt: (ctx: TenantContext, input: AdoptTenantInput) => adoptTenant(deps, ctx, input),
    list: (ctx: TenantContext, query: { limit: number; cursor?: string }) => listTenants(deps, ctx, query),
    get: (ctx: TenantContext, realm: string) => getTenant(deps, ctx, realm),
    update: (ctx: TenantContext, realm: string, input: UpdateTenantInput) => updateTenant(deps, ctx, realm, input),
    remove: (ctx: TenantContext, realm: string, cascade: boolean) => deleteTenant(deps, ctx, realm, cascade),
    /** What the reconciler finishes: a deletion left `deleting`. */
    completeDeletion: (row: TenantRow, audit: AuditContext) => completeTenantDeletion(deps, row, audit),
    /** What the reconciler rolls back: a create left `provisioning` (its realm, if the bridge made it, is deleted). */
    async rollBackCreation(row: TenantRow): Promise<void> {
      if (row.origin === 'created') await deps.realmAdmin.deleteRealm(row.realm);
      deps.setup.forget(row.realm);
      await deps.repository.transitionTenant(row.realm, ['provisioning'], 'deleted');
    },
  };
}
