// A new secret, shown once. Keycloak rotates it (keeping the old one for the grace period, if
// any); then the new dates, the audit event and the webhook are recorded in one transaction.
// rotateSecret is shared with the rotation scheduler, which passes the transaction that holds
// the row's lock.
import { auditActions } from '../../audit/audit-actions.ts';
import type { AuditContext } from '../../audit/audit-service.ts';
import { AppError, KeycloakUnavailableError } from '../../errors/app-error.ts';
import type { Prisma } from '../../generated/prisma/client.ts';
import type { TenantPolicy } from '../../tenants/tenant-repository.ts';
import { checkGracePeriod, DAY_MS, secretExpiry } from '../rotation-policy.ts';
import type { ServiceAccountRow } from '../service-account-repository.ts';
import { toWebhookPayload } from '../service-account-view.ts';
import { authorize, findLiveOrFail, serviceAccountTarget, type ServiceAccountContext, type ServiceAccountDeps } from './context.ts';

export interface RotatedSecret {
  account: ServiceAccountRow;
  clientSecret: string;
}

export async function regenerateSecret(deps: ServiceAccountDeps, ctx: ServiceAccountContext, id: string, gracePeriodSeconds = 0): Promise<RotatedSecret> {
  const row = await findLiveOrFail(deps, ctx, id);
  await authorize(deps, ctx, 'regenerate', row);
  if (row.status === 'deleting') throw new AppError('invalid_state', 'The service account is being deleted');
  if (row.status === 'failed') throw new AppError('invalid_state', 'The service account has failed: its Keycloak client is gone; delete it')
  const policy = await deps.policies.readCurrent(ctx.tenant);
  checkGracePeriod(gracePeriodSeconds, policy);
  return rotateSecret(deps, row, gracePeriodSeconds, policy, ctx.audit, 'manual');
}

export async function rotateSecret(
  deps: Pick<ServiceAccountDeps, 'repository' | 'keycloak' | 'audit' | 'webhooks'>,
  row: ServiceAccountRow,
  graceSeconds: number,
  policy: TenantPolicy,
  auditContext: AuditContext,
  trigger: 'manual' | 'scheduled',
  tx?: Prisma.TransactionClient,
): Promise<RotatedSecret> {
  const { repository, audit } = deps;
  const target = serviceAccountTarget(row.id);
  const now = Date.now();
  let rotated: { secret: string; previousExpiresAt: Date | null };
  try {
    rotated = await deps.keycloak.rotateSecret(row.tenant, row.keycloakClientUuid!, graceSeconds, now);
  } catch (error) {
    await audit.recordSafely(auditContext, {
      action: auditActions.secretRegenerated,
      outcome: 'failed',
      target,
      details: { reason: error instanceof KeycloakUnavailableError ? 'keycloak_unavailable' : 'internal_error', trigger },
    });
    throw error;
  }
  const write = async (db: Prisma.TransactionClient) => {
    const updated = await repository.update(
      row.id,
      {
        secretRotatedAt: new Date(now),
        secretExpiresAt: secretExpiry(new Date(now), policy),
        previousSecretExpiresAt: rotated.previousExpiresAt,
        expiryNoticeSent: null,
        ...(row.rotationEnabled && row.rotationIntervalDays && { nextRotationAt: new Date(now + row.rotationIntervalDays * DAY_MS) }),
      },
      db,
    );
    const details = { trigger, grace_period: graceSeconds, previous_secret_expires_at: rotated.previousExpiresAt?.toISOString() ?? null };
    await audit.record(auditContext, { action: auditActions.secretRegenerated, outcome: 'success', target, details }, db);
    await deps.webhooks.enqueue(row.tenant, 'service_account.secret_rotated', { ...toWebhookPayload(updated), trigger, grace_period: graceSeconds }, db);
    return updated;
  };
  const account = tx ? await write(tx) : await repository.transaction(write);
  return { account, clientSecret: rotated.secret };
}
