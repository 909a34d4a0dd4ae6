// The service-account use cases bound to their dependencies, as the routes, the background jobs,
// the reconciler and the tenant policy service call them. Each lives in its own file.
import type { AuditContext } from '../../audit/audit-service.ts';
import type { Prisma } from '../../generated/prisma/client.ts';
import type { OwnerChangePolicy, TenantPolicy } from '../../tenants/tenant-repository.ts';
import type { ServiceAccountRow } from '../service-account-repository.ts';
import type { CreateServiceAccountInput, ListServiceAccountsQuery, UpdateServiceAccountInput } from '../service-account-schemas.ts';
import type { ServiceAccountContext, ServiceAccountDeps } from './context.ts';
import { createServiceAccount } from './create-service-account.ts';
import { completeDeletion, deleteAllOfTenant, deleteServiceAccount } from './delete-service-account.ts';
import { endGracePeriod } from './end-grace-period.ts';
import { getServiceAccount, listServiceAccounts } from './read-service-accounts.ts';
import { reclampTokenLifetimes } from './reclamp-token-lifetimes.ts';
import { regenerateSecret, rotateSecret } from './regenerate-secret.ts';
import { rollBackProvisioning } from './roll-back-provisioning.ts';
import { followOwnerChange, type OwnerVerdict } from './follow-owner-change.ts';
import { repairClientDrift } from './repair-client-drift.ts';
import { updateServiceAccount } from './update-service-account.ts';

export type ServiceAccountUseCases = ReturnType<typeof bindServiceAccountUseCases>;

export function bindServiceAccountUseCases(deps: ServiceAccountDeps) {
  return {
    create: (ctx: ServiceAccountContext, input: CreateServiceAccountInput) => createServiceAccount(deps, ctx, input),
    list: (ctx: ServiceAccountContext, query: ListServiceAccountsQuery) => listServiceAccounts(deps, ctx, query),
    get: (ctx: ServiceAccountContext, id: string) => getServiceAccount(deps, ctx, id),
    update: (ctx: ServiceAccountContext, id: string, input: UpdateServiceAccountInput) => updateServiceAccount(deps, ctx, id, input),
    remove: (ctx: ServiceAccountContext, id: string) => deleteServiceAccount(deps, ctx, id),
    regenerateSecret: (ctx: ServiceAccountContext, id: string, gracePeriodSeconds?: number) => regenerateSecret(deps, ctx, id, gracePeriodSeconds),
    endGracePeriod: (ctx: ServiceAccountContext, id: string) => endGracePeriod(deps, ctx, id),
    // Steps the background jobs, the reconciler and the tenant policy service call.
    rotateSecret: (row: ServiceAccountRow, graceSeconds: number, policy: TenantPolicy, audit: AuditContext, trigger: 'manual' | 'scheduled', tx?: Prisma.TransactionClient) =>
      rotateSecret(deps, row, graceSeconds, policy, audit, trigger, tx),
    completeDeletion: (row: ServiceAccountRow, audit: AuditContext) => completeDeletion(deps, row, audit),
    deleteAllOfTenant: (tenant: string, audit: AuditContext) => deleteAllOfTenant(deps, tenant, audit),
    rollBackProvisioning: (realm: string, row: ServiceAccountRow, clientUuid: string | undefined) => rollBackProvisioning(deps, realm, row, clientUuid),
    reclampTokenLifetimes: (tenant: string, policy: TenantPolicy, audit: AuditContext) => reclampTokenLifetimes(deps, tenant, policy, audit),
    repairClientDrift: (row: ServiceAccountRow, policy: TenantPolicy, audit: AuditContext, options?: { secretSettledAfterMs?: number }) =>
      repairClientDrift(deps, row, policy, audit, options),
    followOwnerChange: (row: ServiceAccountRow, owner: OwnerVerdict, policy: OwnerChangePolicy, audit: AuditContext) => followOwnerChange(deps, row, owner, policy, audit),
  };
}
