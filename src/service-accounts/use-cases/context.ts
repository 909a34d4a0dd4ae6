// What every service-account use case shares: its dependencies, the caller's context, and the
// checks that open most of them (may the caller do this; does the SA exist in this tenant).
import type { Logger } from 'pino';
import { auditActions, type AuditAction } from '../../audit/audit-actions.ts';
import type { AuditContext, AuditService } from '../../audit/audit-service.ts';
import { mayActOnServiceAccount, type ServiceAccountAction } from '../../auth/permissions.ts';
import type { Principal } from '../../auth/principal.ts';
import type { RoleNames } from '../../config.ts';
import { InsufficientRoleError, NotFoundError } from '../../errors/app-error.ts';
import type { ClientDrift } from '../../keycloak/client-drift.ts';
import type { ServiceAccountClients } from '../../keycloak/service-account-clients.ts';
import type { SecretFingerprints } from '../../lib/secret-fingerprint.ts';
import type { TenantPolicyService } from '../../tenants/tenant-policy-service.ts';
import type { WebhookOutbox } from '../../webhooks/webhook-outbox.ts';
import type { ServiceAccountReads } from '../service-account-read-cache.ts';
import type { ServiceAccountRepository, ServiceAccountRow } from '../service-account-repository.ts';

export interface ServiceAccountDeps {
  repository: ServiceAccountRepository;
  /** Cached reads for readers only (service-account-read-cache.ts); writers use the repository. */
  reads: Pick<ServiceAccountReads, 'findLive'>;
  keycloak: ServiceAccountClients;
  drift: ClientDrift;
  /** Fingerprints of the secrets handed out (the row keeps one; never a secret). */
  fingerprints: SecretFingerprints;
  audit: AuditService;
  webhooks: WebhookOutbox;
  policies: Pick<TenantPolicyService, 'readCurrent'>;
  logger: Logger;
  roleNames: RoleNames;
  platformRealm: string;
}

/** Who acts, on which tenant, and the request that carried it. */
export interface ServiceAccountContext {
  principal: Principal;
  tenant: string;
  audit: AuditContext;
}

const actionForPermission: Record<Exclude<ServiceAccountAction, 'read'>, AuditAction> = {
  create: auditActions.serviceAccountCreated,
  update: auditActions.serviceAccountUpdated,
  regenerate: auditActions.secretRegenerated,
  delete: auditActions.serviceAccountDeleted,
};

export function serviceAccountTarget(id: string) {
  return { type: 'service_account', id };
}

/** Refuses and audits the refusal; reads are not audited (they change nothing). */
export async function authorize(deps: Pick<ServiceAccountDeps, 'audit'>, ctx: ServiceAccountContext, action: ServiceAccountAction, row?: ServiceAccountRow): Promise<void> {
  if (mayActOnServiceAccount(ctx.principal, action, row)) return;
  const message =
    ctx.principal.role === 'devops' && row
      ? 'devops may change only the service accounts it created'
      : `Your role (${ctx.principal.role ?? 'none'}) may not ${action} service accounts`;
  if (action !== 'read') {
    await deps.audit.recordSafely(ctx.audit, {
      action: actionForPermission[action],
      outcome: 'denied',
      ...(row && { target: serviceAccountTarget(row.id) }),
      details: { reason: 'insufficient_role', role: ctx.principal.role },
    });
  }
  throw new InsufficientRoleError(message);
}

export async function findLiveOrFail(deps: { repository: Pick<ServiceAccountReads, 'findLive'> }, ctx: ServiceAccountContext, id: string): Promise<ServiceAccountRow> {
  const row = await deps.repository.findLive(ctx.tenant, id);
  if (!row) throw new NotFoundError('service_account_not_found', `No service account ${id} in this tenant`);
  return row;
}
