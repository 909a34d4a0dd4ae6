// PATCH of a service account, in up to three independent steps, each audited: its rotation
// policy (our row only), its token shape (Keycloak, then our row), and its description and
// enabled flag (Keycloak, then our row; Keycloak is put back if our write fails).
import { auditActions, type AuditAction } from '../../audit/audit-actions.ts';
import { AppError } from '../../errors/app-error.ts';
import { rotationColumns } from '../rotation-policy.ts';
import type { ServiceAccountRow } from '../service-account-repository.ts';
import type { UpdateServiceAccountInput } from '../service-account-schemas.ts';
import { hasShapeChange, resolveTokenShape } from '../token-shape-policy.ts';
import { authorize, findLiveOrFail, serviceAccountTarget, type ServiceAccountContext, type ServiceAccountDeps } from './context.ts';

export async function updateServiceAccount(
  deps: ServiceAccountDeps,
  ctx: ServiceAccountContext,
  id: string,
  input: UpdateServiceAccountInput,
): Promise<ServiceAccountRow> {
  const { repository, keycloak, audit } = deps;
  let row = await findLiveOrFail(deps, ctx, id);
  await authorize(deps, ctx, 'update', row);
  if (row.status === 'deleting') throw new AppError('invalid_state', 'The service account is being deleted');
  if (row.status === 'failed') throw new AppError('invalid_state', 'The service account has failed: its Keycloak client is gone; delete it');
  const target = serviceAccountTarget(row.id);

  if (input.rotation) {
    const columns = rotationColumns(input.rotation, await deps.policies.readCurrent(ctx.tenant), row.secretRotatedAt);
    row = await repository.transaction(async (tx) => {
      const updated = await repository.update(row.id, columns, tx);
      await audit.record(ctx.audit, { action: auditActions.rotationPolicyUpdated, outcome: 'success', target, details: { rotation: input.rotation } }, tx);
      return updated;
    });
  }

  if (hasShapeChange(input)) {
    const { shape, columns } = resolveTokenShape(input, await deps.policies.readCurrent(ctx.tenant), row);
    try {
      await keycloak.reshapeClient(ctx.tenant, row.keycloakClientUuid!, shape, row.scopes);
    } catch (error) {
      await audit.recordSafely(ctx.audit, { action: auditActions.tokenShapeUpdated, outcome: 'failed', target });
      throw error;
    }
    row = await repository.transaction(async (tx) => {
      const updated = await repository.update(row.id, columns, tx);
      const details = { access_token_ttl: shape.accessTokenTtl, scopes: shape.scopes, claim_names: Object.keys(shape.claims), audience: shape.audiences };
      await audit.record(ctx.audit, { action: auditActions.tokenShapeUpdated, outcome: 'success', target, details }, tx);
      return updated;
    });
  }

  const descriptionChanges = input.description !== undefined && input.description !== row.description;
  const wantEnabled = input.enabled;
  const enabledChanges = wantEnabled !== undefined && wantEnabled !== (row.status === 'active');
  if (!descriptionChanges && !enabledChanges) return row;

  const events: Array<{ action: AuditAction; details: Record<string, unknown> }> = [];
  if (descriptionChanges) events.push({ action: auditActions.serviceAccountUpdated, details: { fields: ['description'] } });
  if (enabledChanges) events.push({ action: wantEnabled ? auditActions.serviceAccountEnabled : auditActions.serviceAccountDisabled, details: {} });

  try {
    await keycloak.updateServiceAccountClient(ctx.tenant, row.keycloakClientUuid!, {
      ...(enabledChanges && { enabled: wantEnabled }),
      ...(descriptionChanges && { description: input.description ?? null }),
    });
  } catch (error) {
    for (const e of events) {
      await audit.recordSafely(ctx.audit, { action: e.action, outcome: 'failed', target, details: { reason: 'keycloak_unavailable' } });
    }
    throw error;
  }
  const original = row;
  try {
    return await repository.transaction(async (tx) => {
      const updated = await repository.update(
        original.id,
        {
          ...(descriptionChanges && { description: input.description ?? null }),
          ...(enabledChanges && { status: wantEnabled ? 'active' : 'disabled' }),
        },
        tx,
      );
      for (const e of events) await audit.record(ctx.audit, { action: e.action, outcome: 'success', target, details: e.details }, tx);
      return updated;
    });
  } catch (error) {
    // Put Keycloak back the way our row says it is.
    await keycloak
      .updateServiceAccountClient(ctx.tenant, original.keycloakClientUuid!, {
        ...(enabledChanges && { enabled: original.status === 'active' }),
        ...(descriptionChanges && { description: original.description }),
      })
      .catch((revertError: unknown) => deps.logger.error({ err: revertError, serviceAccountId: original.id }, 'reverting Keycloak failed'));
    throw error;
  }
}
