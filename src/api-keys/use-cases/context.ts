// What every API key use case shares: its dependencies, the caller's context, and the checks that
// open most of them. Who may create or revoke a service account's keys: whoever may regenerate
// its secret (a key is another credential of the SA). Who may list them: whoever may read the SA.
import type { Logger } from 'pino';
import { auditActions, type AuditAction } from '../../audit/audit-actions.ts';
import type { AuditContext, AuditService } from '../../audit/audit-service.ts';
import type { ApiKeyHasher } from '../../auth/api-key-credentials.ts';
import { mayActOnServiceAccount } from '../../auth/permissions.ts';
import type { Principal } from '../../auth/principal.ts';
import { InsufficientRoleError, NotFoundError } from '../../errors/app-error.ts';
import type { ServiceAccountRepository, ServiceAccountRow } from '../../service-accounts/service-account-repository.ts';
import type { TenantPolicyService } from '../../tenants/tenant-policy-service.ts';
import type { WebhookOutbox } from '../../webhooks/webhook-outbox.ts';
import type { ApiKeyRepository } from '../api-key-repository.ts';

export interface ApiKeyDeps {
  repository: ApiKeyRepository;
  serviceAccounts: Pick<ServiceAccountRepository, 'findLive'>;
  policies: Pick<TenantPolicyService, 'readCurrent'>;
  audit: AuditService;
  webhooks: WebhookOutbox;
  hasher: ApiKeyHasher;
  logger: Logger;
  now?: () => Date;
}

export interface ApiKeyContext {
  principal: Principal;
  tenant: string;
  audit: AuditContext;
}

export function apiKeyTarget(id: string) {
  return { type: 'api_key', id };
}

export function nowOf(deps: Pick<ApiKeyDeps, 'now'>): Date {
  return deps.now?.() ?? new Date();
}

/** Live SAs of the tenant only: another tenant's SA is a 404, like everywhere else. */
export async function findServiceAccountOrFail(deps: Pick<ApiKeyDeps, 'serviceAccounts'>, ctx: ApiKeyContext, id: string): Promise<ServiceAccountRow> {
  const row = await deps.serviceAccounts.findLive(ctx.tenant, id);
  if (!row) throw new NotFoundError('service_account_not_found', `No service account ${id} in this tenant`);
  return row;
}

/** Refuses and audits the refusal (as `action`, denied) unless the caller may change the SA's credentials. */
export async function authorizeKeyChange(
  deps: Pick<ApiKeyDeps, 'audit'>,
  ctx: ApiKeyContext,
  row: ServiceAccountRow,
  action: Extract<AuditAction, typeof auditActions.apiKeyCreated | typeof auditActions.apiKeyRevoked>,
  target?: { type: string; id: string },
): Promise<void> {
  if (mayActOnServiceAccount(ctx.principal, 'regenerate', row)) return;
  await deps.audit.recordSafely(ctx.audit, {
    action,
    outcome: 'denied',
    target: target ?? { type: 'service_account', id: row.id },
    details: { reason: 'insufficient_role', role: ctx.principal.role, service_account_id: row.id },
  });
  throw new InsufficientRoleError(
    ctx.principal.role === 'devops'
      ? 'devops may manage API keys only of the service accounts it created'
      : `Your role (${ctx.principal.role ?? 'none'}) may not manage API keys`,
  );
}

export function authorizeKeyRead(ctx: ApiKeyContext): void {
  if (!mayActOnServiceAccount(ctx.principal, 'read')) {
    throw new InsufficientRoleError(`Your role (${ctx.principal.role ?? 'none'}) may not read service accounts`);
  }
}
