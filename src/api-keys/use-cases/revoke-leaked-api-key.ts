// Anyone who finds an exposed key may report it (no credentials, like GitHub's token revocation
// API). A key that works, or could work again (its SA disabled, keys switched off by policy), is
// revoked, audited, and announced to its tenant's webhooks as `api_key.leaked`; the reporter's
// answer is the same whatever happened, so it never says whether the key existed.
import { auditActions } from '../../audit/audit-actions.ts';
import type { AuditContext } from '../../audit/audit-service.ts';
import { checkApiKeyShape, type RequestOrigin } from '../../auth/api-key-credentials.ts';
import { AppError, DatabaseUnavailableError } from '../../errors/app-error.ts';
import { isExpired } from '../api-key-policy.ts';
import { toApiKeyWebhookPayload } from '../api-key-view.ts';
import { apiKeyTarget, nowOf, type ApiKeyDeps } from './context.ts';

const revocableServiceAccountStatuses = new Set(['active', 'disabled', 'deleting']);

export const LEAK_REPORTER = { type: 'system', id: 'leaked-key-report', name: 'leaked key report' } as const;

export async function revokeLeakedApiKey(deps: ApiKeyDeps, origin: RequestOrigin, candidate: string): Promise<void> {
  try {
    await revoke(deps, origin, candidate);
  } catch (error) {
    throw error instanceof AppError ? error : new DatabaseUnavailableError(error);
  }
}

async function revoke(deps: ApiKeyDeps, origin: RequestOrigin, candidate: string): Promise<void> {
  const { repository, hasher } = deps;
  if (checkApiKeyShape(candidate) !== 'valid') return;
  const record = await repository.findForLeakReport(hasher.hash(candidate));
  if (!record || !hasher.matches(candidate, record.keyHash) || record.revokedAt !== null) return;
  const now = nowOf(deps);
  if (isExpired(record, record.maxApiKeyLifetimeDays, now) || !revocableServiceAccountStatuses.has(record.serviceAccountStatus)) return;

  const context: AuditContext = { tenant: record.tenant, actor: { ...LEAK_REPORTER }, requestId: origin.requestId, ip: origin.ip, userAgent: origin.userAgent };
  await repository.transaction(async (tx) => {
    if (!(await repository.revoke(record.id, 'leaked', now, tx))) return;
    await deps.audit.record(
      context,
      {
        action: auditActions.apiKeyRevoked,
        outcome: 'success',
        target: apiKeyTarget(record.id),
        details: { reason: 'leaked', service_account_id: record.serviceAccountId, name: record.name, last_four: record.lastFour },
      },
      tx,
    );
    await deps.webhooks.enqueue(
      record.tenant,
      'api_key.leaked',
      {
        ...toApiKeyWebhookPayload(record),
        service_account: { id: record.serviceAccountId, name: record.serviceAccountName, client_id: record.clientId },
        revoked_at: now.toISOString(),
      },
      tx,
    );
  });
  deps.logger.info({ apiKeyId: record.id, tenant: record.tenant }, 'a reported API key was revoked');
}
