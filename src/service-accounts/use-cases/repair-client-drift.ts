// Config drift: the reconciler compares a live SA's Keycloak client with our row (enabled, role
// mapping, lifetime, mappers, scopes, flows off, secret authenticator) and repairs it, recording
// what it found as conditions. A client that is gone was deleted outside the bridge: the SA is
// marked `failed` (its secret cannot come back), never silently re-created. The lifetime wanted is
// the one the tenant policy allows now, so a re-clamp a policy change could not finish (Keycloak
// or the database failed half way) is finished here; and the secret Keycloak holds is compared
// with the one the row handed out, by fingerprint (settle-secret.ts: a rotation that failed part
// way is undone or recorded).
import { auditActions } from '../../audit/audit-actions.ts';
import type { AuditContext } from '../../audit/audit-service.ts';
import { keycloakRoleName, roles, type Role } from '../../auth/roles.ts';
import type { ClientDrift } from '../../keycloak/client-drift.ts';
import type { TenantPolicy } from '../../tenants/tenant-repository.ts';
import { effectiveTokenTtl } from '../token-shape-policy.ts';
import { parseConditions, sameConditions, setCondition, type Condition } from '../conditions.ts';
import type { ServiceAccountRow } from '../service-account-repository.ts';
import { serviceAccountTarget, type ServiceAccountDeps } from './context.ts';
import { settleSecret, type SecretSettlement } from './settle-secret.ts';

export type DriftOutcome = 'in-sync' | 'repaired' | 'missing';

const secretDrift: Partial<Record<SecretSettlement, string>> = {
  restored: 'secret (a rotation nobody received was undone)',
  recorded: 'secret (replaced without a record; the row now describes the one Keycloak holds)',
  'previous-dropped': 'previous secret (Keycloak kept one the row does not know of)',
  'previous-forgotten': 'previous secret (gone from Keycloak)',
};

export async function repairClientDrift(
  deps: Pick<ServiceAccountDeps, 'repository' | 'audit' | 'roleNames' | 'keycloak' | 'fingerprints'> & { drift: ClientDrift },
  row: ServiceAccountRow,
  policy: TenantPolicy,
  audit: AuditContext,
  options: { now?: Date; secretSettledAfterMs?: number } = {},
): Promise<DriftOutcome> {
  const now = options.now ?? new Date();
  if (!row.keycloakClientUuid || (row.status !== 'active' && row.status !== 'disabled')) return 'in-sync';
  const ttl = effectiveTokenTtl(row.requestedAccessTokenTtl, policy);
  const result = await deps.drift.repair(row.tenant, {
    uuid: row.keycloakClientUuid,
    serviceAccountId: row.id,
    userId: row.keycloakUserId,
    enabled: row.status === 'active',
    realmRole: keycloakRoleName(row.role as Role, deps.roleNames),
    platformRoles: roles.map((role) => keycloakRoleName(role, deps.roleNames)),
    shape: {
      accessTokenTtl: ttl,
      scopes: row.scopes,
      claims: row.claims as Record<string, string>,
      audiences: row.audiences,
    },
    managedScopes: policy.allowedScopes,
  });
  const target = serviceAccountTarget(row.id);
  const before = parseConditions(row.conditions);

  if (result.state === 'missing') {
    let conditions = setCondition(before, { type: 'Ready', status: 'False', reason: 'ClientMissing', message: `The Keycloak client ${row.clientId} was deleted outside the bridge; delete this service account`, }, now);
    conditions = conditions.filter((c) => c.type !== 'Drifted');
    await deps.repository.transaction(async (tx) => {
      const failed = await deps.repository.transition(row.id, ['active', 'disabled'], { status: 'failed', conditions: conditions as object[] }, tx);
      if (!failed) return;
      await deps.audit.record(audit, { action: auditActions.clientMissing, outcome: 'success', target, details: { client_id: row.clientId, name: row.name, previous_status: row.status } }, tx);
    });
    return 'missing';
  }

  // The secret last: a client found missing above has none to compare.
  const secret = await settleSecret(deps, row, policy, { now: now.getTime(), settledAfterMs: options.secretSettledAfterMs });
  const fields = [...(result.state === 'repaired' ? result.fields : []), ...(secretDrift[secret] ? [secretDrift[secret]] : [])];

  let conditions: Condition[] = setCondition(before, { type: 'Ready', status: 'True', reason: 'InSync', message: 'The Keycloak client matches the service account' }, now);
  if (fields.length > 0) {
    conditions = setCondition(conditions, { type: 'Drifted', status: 'False', reason: 'Repaired', message: `Changed outside the bridge and repaired: ${fields.join(', ')}` }, now);
    // A repeat of the same repair keeps its reason; the time shows the latest one.
    conditions = conditions.map((c) => (c.type === 'Drifted' ? { ...c, lastTransitionTime: now.toISOString() } : c));
  }
  const reclamped = row.accessTokenTtl !== ttl;
  if (fields.length === 0 && !reclamped && sameConditions(conditions, before)) return 'in-sync';
  await deps.repository.transaction(async (tx) => {
    await deps.repository.update(row.id, { conditions: conditions as object[], ...(reclamped && { accessTokenTtl: ttl }) }, tx);
    if (reclamped) {
      await deps.audit.record(audit, { action: auditActions.tokenLifetimeReclamped, outcome: 'success', target, details: { from: row.accessTokenTtl, to: ttl } }, tx);
    }
    if (fields.length > 0) {
      await deps.audit.record(audit, { action: auditActions.driftRepaired, outcome: 'success', target, details: { client_id: row.clientId, fields } }, tx);
    }
  });
  return fields.length > 0 || reclamped ? 'repaired' : 'in-sync';
}
