// A new secret, shown once. Keycloak rotates it (keeping the old one for the grace period, if
// any); then the new dates, the secret's fingerprint, the audit event and the webhook are recorded
// in one transaction. A failure part way is undone (settle-secret.ts), unless Keycloak finished and
// only its last answer was lost: then the rotation is recorded and the secret handed out.
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
import { settleSecret } from './settle-secret.ts';

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
  deps: Pick<ServiceAccountDeps, 'repository' | 'keycloak' | 'audit' | 'webhooks' | 'fingerprints' | 'logger'>,
  row: ServiceAccountRow,
  graceSeconds: number,
  policy: TenantPolicy,
  auditContext: AuditContext,
  trigger: 'manual' | 'scheduled',
  tx?: Prisma.TransactionClient,
): Promise<RotatedSecret> {
  const { repository, audit, keycloak } = deps;
  const target = serviceAccountTarget(row.id);
  const now = Date.now();
  const realm = row.tenant;
  const clientUuid = row.keycloakClientUuid!;
  // Keycloak keeps expiry times in whole seconds.
  const previousExpiresAt = graceSeconds > 0 ? new Date((Math.floor(now / 1000) + graceSeconds) * 1000) : null;
  const write = async (db: Prisma.TransactionClient, secret: string) => {
    const updated = await repository.update(
      row.id,
      {
        secretFingerprint: deps.fingerprints.of(secret),
        secretRotatedAt: new Date(now),
        secretExpiresAt: secretExpiry(new Date(now), policy),
        previousSecretExpiresAt: previousExpiresAt,
        expiryNoticeSent: null,
        ...(row.rotationEnabled && row.rotationIntervalDays && { nextRotationAt: new Date(now + row.rotationIntervalDays * DAY_MS) }),
      },
      db,
    );
    const details = { trigger, grace_period: graceSeconds, previous_secret_expires_at: previousExpiresAt?.toISOString() ?? null };
    await audit.record(auditContext, { action: auditActions.secretRegenerated, outcome: 'success', target, details }, db);
    await deps.webhooks.enqueue(row.tenant, 'service_account.secret_rotated', { ...toWebhookPayload(updated), trigger, grace_period: graceSeconds }, db);
    return updated;
  };

  let secret: string | undefined;
  try {
    try {
      secret = await keycloak.regenerateSecret(realm, clientUuid);
      if (previousExpiresAt) await keycloak.setRotatedSecretExpiry(realm, clientUuid, previousExpiresAt);
      else await keycloak.invalidatePreviousSecret(realm, clientUuid);
    } catch (error) {
      // Perhaps only the last answer was lost: a rotation Keycloak finished is recorded as done.
      if (secret === undefined || !(await rotationFinished(deps, row, secret, previousExpiresAt))) throw error;
    }
    const rotated = secret;
    const account = tx ? await write(tx, rotated) : await repository.transaction((db) => write(db, rotated));
    return { account, clientSecret: rotated };
  } catch (error) {
    // Undo what Keycloak did, so that the secret the caller holds stays the current one; if
    // Keycloak cannot be reached now, the reconciler does it (repair-client-drift.ts).
    await settleSecret(deps, row, policy, { now, tx }).catch((settleError: unknown) =>
      deps.logger.error({ err: settleError, serviceAccountId: row.id }, 'undoing a failed rotation failed; the reconciler will retry'),
    );
    await audit.recordSafely(auditContext, {
      action: auditActions.secretRegenerated,
      outcome: 'failed',
      target,
      details: { reason: error instanceof KeycloakUnavailableError ? 'keycloak_unavailable' : 'internal_error', trigger },
    });
    throw error;
  }
}

/** Whether Keycloak holds `secret` as current with the previous secret as this rotation wanted it. */
async function rotationFinished(
  deps: Pick<ServiceAccountDeps, 'keycloak' | 'fingerprints'>,
  row: ServiceAccountRow,
  secret: string,
  previousExpiresAt: Date | null,
): Promise<boolean> {
  try {
    const held = await deps.keycloak.readSecrets(row.tenant, row.keycloakClientUuid!);
    if (held.current !== secret) return false;
    if (!previousExpiresAt) return held.rotated === undefined;
    return held.rotated?.expiresAt === previousExpiresAt.getTime() / 1000 && (row.secretFingerprint === null || deps.fingerprints.matches(held.rotated.secret, row.secretFingerprint));
  } catch {
    return false;
  }
}
