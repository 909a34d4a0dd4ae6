// Delete marks the row `deleting` (its tokens are refused from then on), deletes the Keycloak
// client, then marks the row `deleted`; the row stays for the audit trail and the name is free.
// If Keycloak fails, the row stays `deleting` and the reconciler completes the deletion.
import { auditActions } from '../../audit/audit-actions.ts';
import type { AuditContext } from '../../audit/audit-service.ts';
import { NotFoundError } from '../../errors/app-error.ts';
import type { ServiceAccountRow } from '../service-account-repository.ts';
import { toWebhookPayload } from '../service-account-view.ts';
import { authorize, findLiveOrFail, serviceAccountTarget, type ServiceAccountContext, type ServiceAccountDeps } from './context.ts';
import { rollBackProvisioning } from './roll-back-provisioning.ts';

export async function deleteServiceAccount(deps: ServiceAccountDeps, ctx: ServiceAccountContext, id: string): Promise<void> {
  const row = await findLiveOrFail(deps, ctx, id);
  await authorize(deps, ctx, 'delete', row);
  const deleting = await deps.repository.transition(row.id, ['active', 'disabled', 'failed', 'deleting'], { status: 'deleting' });
  if (!deleting) throw new NotFoundError('service_account_not_found', `No service account ${id} in this tenant`);
  try {
    await completeDeletion(deps, deleting, ctx.audit);
  } catch (error) {
    await deps.audit.recordSafely(ctx.audit, {
      action: auditActions.serviceAccountDeleted,
      outcome: 'failed',
      target: serviceAccountTarget(row.id),
      details: { reason: 'keycloak_unavailable', note: 'marked deleting; the reconciler completes it' },
    });
    throw error;
  }
}

/**
 * Every SA of a tenant that is being deleted, each through the normal delete (a create still in
 * flight is rolled back). Returns the ids deleted.
 */
export async function deleteAllOfTenant(deps: ServiceAccountDeps, tenant: string, auditContext: AuditContext): Promise<string[]> {
  const deleted: string[] = [];
  for (const row of await deps.repository.listUndeleted(tenant)) {
    if (row.status === 'provisioning') {
      if (await rollBackProvisioning(deps, tenant, row, row.keycloakClientUuid ?? undefined)) deleted.push(row.id);
      continue;
    }
    const deleting = await deps.repository.transition(row.id, ['active', 'disabled', 'failed', 'deleting'], { status: 'deleting' });
    if (!deleting) continue;
    await completeDeletion(deps, deleting, auditContext);
    deleted.push(row.id);
  }
  return deleted;
}

/** Deletes the client and retires the row; shared by DELETE and the reconciler. */
export async function completeDeletion(
  deps: Pick<ServiceAccountDeps, 'repository' | 'keycloak' | 'audit' | 'webhooks'>,
  row: ServiceAccountRow,
  auditContext: AuditContext,
): Promise<void> {
  const { repository, keycloak } = deps;
  const uuid = row.keycloakClientUuid ?? (await keycloak.findClientByClientId(row.tenant, row.clientId))?.uuid;
  if (uuid) await keycloak.deleteServiceAccountClient(row.tenant, uuid);
  await repository.transaction(async (tx) => {
    const deleted = await repository.transition(row.id, ['deleting'], { status: 'deleted', deletedAt: new Date() }, tx);
    if (!deleted) return;
    await deps.audit.record(
      auditContext,
      { action: auditActions.serviceAccountDeleted, outcome: 'success', target: serviceAccountTarget(row.id), details: { name: row.name, client_id: row.clientId } },
      tx,
    );
    await deps.webhooks.enqueue(row.tenant, 'service_account.deleted', toWebhookPayload(deleted), tx);
  });
}
