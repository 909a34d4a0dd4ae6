// Create, as a saga. Keycloak changes come first and our row follows; each remote call that can
// leave something behind has its compensating action next to it:
//   1. the row is inserted as `provisioning` (the partial unique index claims the name);
//   2. the confidential client is created with its token shape;
//   3. the service-account user is found and the role mapped, the secret read meanwhile;
//   4. in one transaction the row becomes `active`, with the audit event and webhook outbox rows.
// A failure in 2-4 deletes the client and retires the row (roll-back-provisioning.ts).
import { auditActions } from '../../audit/audit-actions.ts';
import { grantableRole } from '../../auth/permissions.ts';
import { keycloakRoleName } from '../../auth/roles.ts';
import { AppError, KeycloakUnavailableError } from '../../errors/app-error.ts';
import { KeycloakConflictError } from '../../keycloak/keycloak-errors.ts';
import { newClientId, newServiceAccountId } from '../../lib/ids.ts';
import type { TenantPolicy } from '../../tenants/tenant-repository.ts';
import { rotationColumns, secretExpiry } from '../rotation-policy.ts';
import { NameTakenError, type ServiceAccountRow } from '../service-account-repository.ts';
import type { CreateServiceAccountInput } from '../service-account-schemas.ts';
import { toWebhookPayload } from '../service-account-view.ts';
import { resolveTokenShape } from '../token-shape-policy.ts';
import { authorize, serviceAccountTarget, type ServiceAccountContext, type ServiceAccountDeps } from './context.ts';
import { rollBackProvisioning } from './roll-back-provisioning.ts';

export async function createServiceAccount(
  deps: ServiceAccountDeps,
  ctx: ServiceAccountContext,
  input: CreateServiceAccountInput,
): Promise<{ account: ServiceAccountRow; clientSecret: string }> {
  const { repository, keycloak, audit, logger } = deps;
  await authorize(deps, ctx, 'create');
  const role = grantableRole(ctx.principal.role!, input.role, ctx.tenant === deps.platformRealm);
  if (!role) {
    await audit.recordSafely(ctx.audit, {
      action: auditActions.serviceAccountCreated,
      outcome: 'denied',
      details: { reason: 'role_escalation', name: input.name, requested_role: input.role, caller_role: ctx.principal.role },
    });
    throw new AppError('role_escalation', `You cannot grant ${input.role}: it is above your own role (${ctx.principal.role})`);
  }

  const insert = () =>
    repository.insertProvisioning({
      id: newServiceAccountId(),
      tenant: ctx.tenant,
      name: input.name,
      description: input.description ?? null,
      clientId: newClientId(input.name),
      role,
      createdByType: ctx.principal.actor.type,
      createdById: ctx.principal.actor.id,
      createdByName: ctx.principal.actor.name,
    });
  let policy: TenantPolicy;
  let row: ServiceAccountRow;
  try {
    if (input.rotation || input.scopes?.length || input.audience?.length) {
      // Rotation, scopes and audiences are checked against the tenant policy before anything is created.
      policy = await deps.policies.readCurrent(ctx.tenant);
      if (input.rotation) rotationColumns(input.rotation, policy, null);
      resolveTokenShape(input, policy);
      row = await insert();
    } else {
      // Nothing to check first: read the policy and claim the name in parallel.
      [policy, row] = await Promise.all([deps.policies.readCurrent(ctx.tenant), insert()]);
    }
  } catch (error) {
    if (!(error instanceof NameTakenError)) throw error;
    await audit.recordSafely(ctx.audit, { action: auditActions.serviceAccountCreated, outcome: 'failed', details: { reason: 'name_taken', name: input.name } });
    throw new AppError('name_taken', `A service account named ${input.name} already exists in this tenant`);
  }

  const realm = ctx.tenant;
  const { shape, columns: shapeColumns } = resolveTokenShape(input, policy);
  let clientUuid: string | undefined;
  try {
    const scopeIds = shape.scopes.length > 0 ? await keycloak.ensureScopes(realm, shape.scopes) : new Map<string, string>();
    clientUuid = await keycloak.createServiceAccountClient(realm, {
      clientId: row.clientId,
      serviceAccountId: row.id,
      tenant: realm,
      ownerId: ctx.principal.actor.id,
      description: row.description,
      shape,
    });
    const createdClient = clientUuid;
    const [userId, clientSecret] = await Promise.all([
      keycloak.findServiceAccountUser(realm, createdClient),
      keycloak.readClientSecret(realm, createdClient),
      keycloak.addOptionalScopes(realm, createdClient, shape.scopes.flatMap((name) => scopeIds.get(name) ?? [])),
    ]);
    await keycloak.assignRealmRole(realm, userId, keycloakRoleName(role, deps.roleNames));
    const account = await repository.transaction(async (tx) => {
      const rotatedAt = new Date();
      const activated = await repository.transition(
        row.id,
        ['provisioning'],
        {
          status: 'active',
          keycloakClientUuid: createdClient,
          keycloakUserId: userId,
          secretRotatedAt: rotatedAt,
          secretFingerprint: deps.fingerprints.of(clientSecret),
          secretExpiresAt: secretExpiry(rotatedAt, policy),
          ...(input.rotation && rotationColumns(input.rotation, policy, rotatedAt)),
          ...shapeColumns,
        },
        tx,
      );
      if (!activated) throw new Error(`service account ${row.id} left provisioning while being created`);
      await audit.record(
        ctx.audit,
        { action: auditActions.serviceAccountCreated, outcome: 'success', target: serviceAccountTarget(row.id), details: { name: row.name, client_id: row.clientId, role } },
        tx,
      );
      await deps.webhooks.enqueue(ctx.tenant, 'service_account.created', toWebhookPayload(activated), tx);
      return activated;
    });
    return { account, clientSecret };
  } catch (error) {
    logger.warn({ err: error, serviceAccountId: row.id }, 'create failed; compensating');
    await rollBackProvisioning(deps, realm, row, clientUuid);
    await audit.recordSafely(ctx.audit, {
      action: auditActions.serviceAccountCreated,
      outcome: 'failed',
      target: serviceAccountTarget(row.id),
      details: { reason: error instanceof KeycloakUnavailableError ? 'keycloak_unavailable' : 'internal_error', name: row.name },
    });
    if (error instanceof KeycloakConflictError) throw new AppError('name_taken', `A Keycloak client ${row.clientId} already exists`);
    throw error;
  }
}
