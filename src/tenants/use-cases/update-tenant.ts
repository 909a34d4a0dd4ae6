// PATCH /v1/tenants/{realm}: the display name (in Keycloak and our row) and the policy (through
// the policy service, which pushes it to Keycloak and re-clamps every SA).
import { auditActions } from '../../audit/audit-actions.ts';
import type { UpdateTenantInput } from '../tenant-schemas.ts';
import { findTenantOrFail, requireCpiAdmin, tenantTarget, type TenantContext, type TenantDeps } from './context.ts';
import { getTenant, type TenantWithCounts } from './read-tenants.ts';
import { AppError, NotFoundError } from '../../errors/app-error.ts';
import { KeycloakNotFoundError } from '../../keycloak/keycloak-errors.ts';

export async function updateTenant(deps: TenantDeps, ctx: TenantContext, realm: string, input: UpdateTenantInput): Promise<TenantWithCounts> {
  await requireCpiAdmin(deps, ctx, auditActions.tenantUpdated, realm);
  const row = await findTenantOrFail(deps, realm);
  if (row.status !== 'active') throw new AppError('invalid_state', `The tenant is ${row.status}`);
  if (input.display_name !== undefined && input.display_name !== row.displayName) {
    await deps.realmAdmin.updateDisplayName(realm, input.display_name).catch((error: unknown) => {
      if (error instanceof KeycloakNotFoundError) throw new NotFoundError('tenant_not_found', `Keycloak has no realm ${realm} any more`);
      throw error;
    });
    await deps.repository.updateTenant(realm, { displayName: input.display_name });
    await deps.audit.record(ctx.audit, {
      action: auditActions.tenantUpdated,
      outcome: 'success',
      target: tenantTarget(realm),
      details: { before: { display_name: row.displayName }, after: { display_name: input.display_name } },
    });
  }
  if (input.policy) await deps.policies.update(ctx.principal, { ...ctx.audit, tenant: realm }, realm, input.policy);
  return getTenant(deps, ctx, realm);
}
