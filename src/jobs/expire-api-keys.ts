// Records (and audits, once) every API key that has passed its expiry, its own or the tenant's
// maximum lifetime, whether or not anyone tries it afterwards. A key tried after its expiry is
// recorded the same way at that moment (api-key-authentication-service.ts); the compare-and-set
// on expired_at makes each key's event happen once across bridges.
import { auditActions } from '../audit/audit-actions.ts';
import { systemAuditContext, type AuditService } from '../audit/audit-service.ts';
import { API_KEY_EXPIRY_COMPONENT } from '../api-keys/api-key-authentication-service.ts';
import type { ApiKeyRepository } from '../api-keys/api-key-repository.ts';

export interface ExpireApiKeysDeps {
  repository: Pick<ApiKeyRepository, 'findExpiredUnrecorded' | 'markExpired' | 'transaction'>;
  audit: AuditService;
}

/** Returns the keys recorded as expired in this run. */
export async function expireApiKeys(deps: ExpireApiKeysDeps, now = new Date()): Promise<string[]> {
  const recorded: string[] = [];
  for (const key of await deps.repository.findExpiredUnrecorded(now)) {
    const marked = await deps.repository.transaction(async (tx) => {
      if (!(await deps.repository.markExpired(key.id, now, tx))) return false;
      await deps.audit.record(
        systemAuditContext(key.tenant, API_KEY_EXPIRY_COMPONENT),
        { action: auditActions.apiKeyExpired, outcome: 'success', target: { type: 'api_key', id: key.id }, details: { service_account_id: key.serviceAccountId, expired_at: key.expiresAt.toISOString() } },
        tx,
      );
      return true;
    });
    if (marked) recorded.push(key.id);
  }
  return recorded;
}
