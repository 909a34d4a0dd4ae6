// DELETE /v1/tenants/{realm}: refused (409) while the tenant has live service accounts, unless
// `cascade`, which deletes each through the normal delete first. Then a realm the bridge created
// is deleted; any other realm is released: the deployment's exchange client, rotation policy and
// portal mappers are removed, and the realm is no longer served. The row is marked `deleting`
// first (new service accounts are refused from then on) and `deleted` last; a failure in between
// leaves it `deleting`, and calling DELETE again (or the reconciler) finishes it.
import { auditActions } from '../../audit/audit-actions.ts';
import type { AuditContext } from '../../audit/audit-service.ts';
import { AppError } from '../../errors/app-error.ts';
import { KeycloakNotFoundError } from '../../keycloak/keycloak-errors.ts';
import type { TenantRow } from '../tenant-repository.ts';
import { findTenantOrFail, requireCpiAdmin, tenantTarget, type TenantContext, type TenantDeps } from './context.ts';

export async function deleteTenant(deps: TenantDeps, ctx: TenantContext, realm: string, cascade: boolean): Promise<void> {
  const { repository, audit } = deps;
  const target = tenantTarget(realm);
  await requireCpiAdmin(deps, ctx, auditActions.tenantDeleted, realm);
  const row = await findTenantOrFail(deps, realm);
  if (realm === deps.platformRealm) throw new AppError('invalid_state', 'The platform realm is not a tenant that can be deleted');
  if (row.status === 'provisioning') throw new AppError('invalid_state', 'The tenant is still being created');
  const counts = (await repository.serviceAccountCounts([realm])).get(realm)!;
  const live = counts.active + counts.disabled + counts.failed + counts.provisioning + counts.deleting;
  if (live > 0 && !cascade) {
    await audit.recordSafely(ctx.audit, { action: auditActions.tenantDeleted, outcome: 'failed', target, details: { reason: 'tenant_has_service_accounts', live_service_accounts: live } });
    throw new AppError('tenant_has_service_accounts', `The tenant has ${live} live service accounts: delete them, or ask for ?cascade=true`);
  }
  const deleting = await repository.transitionTenant(realm, ['active', 'deleting'], 'deleting');
  if (!deleting) throw new AppError('invalid_state', 'The tenant changed meanwhile; try again');
  try {
    await completeTenantDeletion(deps, deleting, ctx.audit);
  } catch (error) {
    await audit.recordSafely(ctx.audit, { action: auditActions.tenantDeleted, outcome: 'failed', target, details: { reason: error instanceof AppError ? error.code : 'keycloak_unavailable', note: 'marked deleting; DELETE again or the reconciler completes it' } });
    throw error;
  }
}

/** Deletes the SAs, then the realm (or releases it), then retires the row; shared by DELETE and the reconciler. */
export async function completeTenantDeletion(deps: TenantDeps, row: TenantRow, audit: AuditContext): Promise<void> {
  const realm = row.realm;
  const deletedServiceAccounts = await deps.deleteServiceAccountsOf(realm, { ...audit, tenant: realm });
  const created = row.origin === 'created';
  // A realm deleted outside the bridge has nothing left to release.
  const removed = created
    ? ['realm']
    : await deps.realmSetup.removeDeploymentSetup(realm).catch((error: unknown) => {
        if (error instanceof KeycloakNotFoundError) return [];
        throw error;
      });
  if (created) await deps.realmAdmin.deleteRealm(realm);
  deps.registry.remove(realm);
  deps.setup.forget(realm);
  await deps.repository.transaction(async (tx) => {
    const deleted = await deps.repository.transitionTenant(realm, ['deleting'], 'deleted', {}, tx);
    if (!deleted) return;
    await deps.audit.record(
      audit,
      {
        action: created ? auditActions.tenantDeleted : auditActions.tenantReleased,
        outcome: 'success',
        target: tenantTarget(realm),
        details: { origin: row.origin, removed, deleted_service_accounts: deletedServiceAccounts.length },
      },
      tx,
    );
    await deps.webhooks.enqueue(deps.platformRealm, 'tenant.deleted', { tenant: { realm, origin: row.origin, realm_deleted: created } }, tx);
  });
}
