// What every tenant use case shares: its dependencies, the caller, and the cpi-admin check.
import type { Logger } from 'pino';
import type { AuditAction } from '../../audit/audit-actions.ts';
import type { AuditContext, AuditService } from '../../audit/audit-service.ts';
import type { Principal } from '../../auth/principal.ts';
import type { RoleNames } from '../../config.ts';
import { InsufficientRoleError, NotFoundError } from '../../errors/app-error.ts';
import type { RealmAdmin } from '../../keycloak/realm-admin.ts';
import type { RealmDirectory } from '../../keycloak/realm-directory.ts';
import type { RealmSetup } from '../../keycloak/realm-setup.ts';
import type { WebhookOutbox } from '../../webhooks/webhook-outbox.ts';
import type { TenantPolicyService } from '../tenant-policy-service.ts';
import type { TenantRegistry } from '../tenant-registry.ts';
import type { TenantRepository, TenantRow } from '../tenant-repository.ts';
import type { TenantSetup } from '../tenant-setup.ts';

export interface TenantDeps {
  repository: TenantRepository;
  setup: Pick<TenantSetup, 'configureRealm' | 'forget'>;
  realmSetup: Pick<RealmSetup, 'removeDeploymentSetup'>;
  realmAdmin: RealmAdmin;
  realms: Pick<RealmDirectory, 'listManagedRealms'>;
  registry: Pick<TenantRegistry, 'add' | 'remove'>;
  policies: Pick<TenantPolicyService, 'update'>;
  /** Deletes every service account of a tenant through the normal delete; returns their ids. */
  deleteServiceAccountsOf: (tenant: string, audit: AuditContext) => Promise<string[]>;
  audit: AuditService;
  webhooks: WebhookOutbox;
  logger: Logger;
  roleNames: RoleNames;
  platformRealm: string;
}

/** Who acts, and the audit context of the platform realm (tenant actions are recorded there). */
export interface TenantContext {
  principal: Principal;
  audit: AuditContext;
}

export function tenantTarget(realm: string) {
  return { type: 'tenant', id: realm };
}

/** Only cpi-admin provisions tenants; a refusal is audited in the caller's own tenant. */
export async function requireCpiAdmin(deps: Pick<TenantDeps, 'audit'>, ctx: TenantContext, action: AuditAction, realm?: string): Promise<void> {
  if (ctx.principal.role === 'cpi-admin') return;
  await deps.audit.recordSafely(ctx.audit, {
    action,
    outcome: 'denied',
    ...(realm && { target: tenantTarget(realm) }),
    details: { reason: 'insufficient_role', role: ctx.principal.role },
  });
  throw new InsufficientRoleError('Only cpi-admin may manage tenants');
}

export async function findTenantOrFail(deps: Pick<TenantDeps, 'repository'>, realm: string): Promise<TenantRow> {
  const row = await deps.repository.findTenant(realm);
  if (!row) throw new NotFoundError('tenant_not_found', `No tenant named ${realm}`);
  return row;
}
