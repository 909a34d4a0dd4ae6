// POST /v1/tenants {adopt: true}: an existing realm becomes a tenant. The bridge adds only what it
// needs (the platform roles, a `portal` client if there is none, event storage, its rotation
// policy and exchange client, its audience mappers on `portal`), changes nothing else, and says
// what it added. The admin client must already be allowed to manage the realm (setup:keycloak).
import { auditActions } from '../../audit/audit-actions.ts';
import { AppError } from '../../errors/app-error.ts';
import { templatePortalClient, templateRealmRoles } from '../../keycloak/realm-template.ts';
import { TenantExistsError } from '../tenant-repository.ts';
import type { AdoptTenantInput } from '../tenant-schemas.ts';
import { requireCpiAdmin, tenantTarget, type TenantContext, type TenantDeps } from './context.ts';
import type { CreatedTenant } from './create-tenant.ts';

export async function adoptTenant(deps: TenantDeps, ctx: TenantContext, input: AdoptTenantInput): Promise<CreatedTenant> {
  const { repository, realmAdmin, audit } = deps;
  const realm = input.realm;
  const target = tenantTarget(realm);
  await requireCpiAdmin(deps, ctx, auditActions.tenantAdopted, realm);
  if (await repository.findTenant(realm)) throw new AppError('tenant_exists', `A tenant ${realm} exists`);
  const found = await realmAdmin.findRealm(realm);
  if (!found || realm === 'master') throw new AppError('realm_not_found', `Keycloak has no realm ${realm}`);
  if (!(await deps.realms.listManagedRealms()).some((r) => r.realm === realm)) {
    throw new AppError('realm_not_managed', `The bridge's admin client holds no management role in ${realm}: grant it with npm run setup:keycloak (SETUP_REALMS=${realm})`);
  }
  const displayName = input.display_name ?? found.displayName;
  try {
    await repository.claimTenant(realm, { displayName, origin: 'adopted' });
  } catch (error) {
    if (error instanceof TenantExistsError) throw new AppError('tenant_exists', `A tenant ${realm} exists`);
    throw error;
  }
  try {
    const added: string[] = [];
    added.push(...(await realmAdmin.ensureRealmRoles(realm, templateRealmRoles(deps.roleNames))).map((name) => `realm role ${name}`));
    if (await realmAdmin.ensureClient(realm, templatePortalClient())) added.push('client portal');
    added.push(...(await deps.setup.configureRealm(realm)));
    const active = await repository.transaction(async (tx) => {
      const activated = await repository.transitionTenant(realm, ['provisioning'], 'active', {}, tx);
      if (!activated) throw new Error(`tenant ${realm} left provisioning while being adopted`);
      await audit.record(ctx.audit, { action: auditActions.tenantAdopted, outcome: 'success', target, details: { display_name: displayName, added } }, tx);
      await deps.webhooks.enqueue(deps.platformRealm, 'tenant.created', { tenant: { realm, display_name: displayName, origin: 'adopted' } }, tx);
      return activated;
    });
    deps.registry.add([realm]);
    return { tenant: active, added, admins: [] };
  } catch (error) {
    deps.logger.warn({ err: error, realm }, 'adopting a realm failed');
    deps.setup.forget(realm);
    await repository.transitionTenant(realm, ['provisioning'], 'deleted').catch(() => undefined);
    await audit.recordSafely(ctx.audit, { action: auditActions.tenantAdopted, outcome: 'failed', target, details: { reason: error instanceof AppError ? error.code : 'keycloak_unavailable' } });
    throw error;
  }
}
