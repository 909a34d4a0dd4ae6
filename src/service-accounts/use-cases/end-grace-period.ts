// Ends a grace period early: the previous secret stops working at Keycloak now.
import { auditActions } from '../../audit/audit-actions.ts';
import { AppError } from '../../errors/app-error.ts';
import type { ServiceAccountRow } from '../service-account-repository.ts';
import { authorize, findLiveOrFail, serviceAccountTarget, type ServiceAccountContext, type ServiceAccountDeps } from './context.ts';

export async function endGracePeriod(deps: ServiceAccountDeps, ctx: ServiceAccountContext, id: string): Promise<ServiceAccountRow> {
  const { repository, keycloak, audit } = deps;
  const row = await findLiveOrFail(deps, ctx, id);
  await authorize(deps, ctx, 'regenerate', row);
  if (row.status === 'failed') throw new AppError('invalid_state', 'The service account has failed: its Keycloak client is gone; delete it');
  if (!row.previousSecretExpiresAt || row.previousSecretExpiresAt <= new Date()) {
    throw new AppError('invalid_state', 'There is no previous secret in a grace period');
  }
  const target = serviceAccountTarget(row.id);
  try {
    await keycloak.invalidatePreviousSecret(ctx.tenant, row.keycloakClientUuid!);
  } catch (error) {
    await audit.recordSafely(ctx.audit, { action: auditActions.previousSecretRevoked, outcome: 'failed', target });
    throw error;
  }
  return repository.transaction(async (tx) => {
    const updated = await repository.update(row.id, { previousSecretExpiresAt: null }, tx);
    await audit.record(ctx.audit, { action: auditActions.previousSecretRevoked, outcome: 'success', target }, tx);
    return updated;
  });
}
