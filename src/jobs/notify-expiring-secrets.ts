// Expiry notices: `service_account.secret_expiring` 14, 7 and 1 days before a secret expires and
// `service_account.secret_expired` at expiry, each stage once per secret (a compare-and-set on
// `expiry_notice_sent`), queued as webhooks and audited in one transaction.
import { auditActions } from '../audit/audit-actions.ts';
import { systemAuditContext, type AuditService } from '../audit/audit-service.ts';
import type { ServiceAccountRepository } from '../service-accounts/service-account-repository.ts';
import { toWebhookPayload } from '../service-accounts/service-account-view.ts';
import type { WebhookOutbox } from '../webhooks/webhook-outbox.ts';

const DAY_MS = 86_400_000;
const noticeStages = [14, 7, 1] as const;

/** The notice a secret expiring at `expiresAt` is due for now: 14, 7, 1, 0 (expired), or none. */
export function dueNoticeStage(expiresAt: Date, now: Date): number | undefined {
  const daysLeft = (expiresAt.getTime() - now.getTime()) / DAY_MS;
  if (daysLeft <= 0) return 0;
  const stages = noticeStages.filter((stage) => daysLeft <= stage);
  return stages.length ? Math.min(...stages) : undefined;
}

export interface NotifyExpiringSecretsDeps {
  repository: ServiceAccountRepository;
  webhooks: WebhookOutbox;
  audit: AuditService;
}

/** Returns how many notices were sent. */
export async function notifyExpiringSecrets(deps: NotifyExpiringSecretsDeps, now = new Date()): Promise<number> {
  let sent = 0;
  for (const row of await deps.repository.listExpiringWithin(noticeStages[0], now)) {
    const stage = dueNoticeStage(row.secretExpiresAt!, now);
    if (stage === undefined || (row.expiryNoticeSent !== null && row.expiryNoticeSent <= stage)) continue;
    const claimed = await deps.repository.transaction(async (tx) => {
      if (!(await deps.repository.claimExpiryNotice(tx, row, stage))) return false;
      const type = stage === 0 ? 'service_account.secret_expired' : 'service_account.secret_expiring';
      await deps.webhooks.enqueue(row.tenant, type, { ...toWebhookPayload(row), ...(stage > 0 && { days_before_expiry: stage }) }, tx);
      await deps.audit.record(
        systemAuditContext(row.tenant, 'expiry-notifier'),
        {
          action: stage === 0 ? auditActions.secretExpired : auditActions.secretExpiring,
          outcome: 'success',
          target: { type: 'service_account', id: row.id },
          details: { secret_expires_at: row.secretExpiresAt!.toISOString(), stage },
        },
        tx,
      );
      return true;
    });
    if (claimed) sent += 1;
  }
  return sent;
}
