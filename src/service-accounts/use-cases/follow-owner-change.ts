// Ownership follows Keycloak: when the person (or SA) who created an SA no longer holds the role
// the SA inherited, is disabled or is deleted, the SA follows the tenant's `on_owner_change`:
// `downgrade` to the owner's role now (disable when none is left), `disable`, or `keep` (only
// flagged). Each change is audited by the reconciler and sent as `service_account.owner_changed`.
import { auditActions } from '../../audit/audit-actions.ts';
import type { AuditContext } from '../../audit/audit-service.ts';
import { keycloakRoleName, roleRank, type Role } from '../../auth/roles.ts';
import type { OwnerChangePolicy } from '../../tenants/tenant-repository.ts';
import { parseConditions, sameConditions, setCondition, type Condition } from '../conditions.ts';
import type { ServiceAccountRow } from '../service-account-repository.ts';
import { toWebhookPayload } from '../service-account-view.ts';
import { serviceAccountTarget, type ServiceAccountDeps } from './context.ts';

/** What the owner check found: the owner's state and the highest role it may still pass on (null: none). */
export interface OwnerVerdict {
  state: 'enabled' | 'disabled' | 'deleted';
  grantable: Role | null;
}

export type OwnerChangeAction = 'none' | 'downgraded' | 'disabled' | 'kept';

const reasons = { deleted: 'OwnerDeleted', disabled: 'OwnerDisabled', enabled: 'OwnerRoleLowered' } as const;

export async function followOwnerChange(
  deps: Pick<ServiceAccountDeps, 'repository' | 'keycloak' | 'audit' | 'webhooks' | 'roleNames'>,
  row: ServiceAccountRow,
  owner: OwnerVerdict,
  policy: OwnerChangePolicy,
  audit: AuditContext,
  now = new Date(),
): Promise<OwnerChangeAction> {
  const role = row.role as Role;
  const before = parseConditions(row.conditions);
  const holds = owner.state === 'enabled' && owner.grantable !== null && roleRank(owner.grantable) >= roleRank(role);
  if (holds) {
    // An owner who got the role back clears a flag left by `keep`.
    // (After a downgrade the owner holds the new role: that flag stays.)
    const flagged = before.find((c) => c.type === 'OwnerChanged' && c.status === 'True');
    if (!flagged || policy !== 'keep') return 'none';
    const conditions = setCondition(before, { type: 'OwnerChanged', status: 'False', reason: 'OwnerHoldsRole', message: `${row.createdByName} holds ${role} again` }, now);
    await deps.repository.update(row.id, { conditions: conditions as object[] });
    return 'none';
  }

  const reason = reasons[owner.state];
  const canDowngrade = policy === 'downgrade' && owner.state === 'enabled' && owner.grantable !== null;
  const action: OwnerChangeAction = policy === 'keep' ? 'kept' : canDowngrade ? 'downgraded' : 'disabled';
  const newRole = canDowngrade ? (owner.grantable as Role) : role;
  const describe =
    owner.state === 'enabled' ? `${row.createdByName} now holds ${owner.grantable ?? 'no platform role'}` : `${row.createdByName} was ${owner.state} in Keycloak`;
  const message = action === 'kept' ? `${describe}; kept as ${role} (tenant policy: keep)` : action === 'downgraded' ? `${describe}; downgraded from ${role} to ${newRole}` : `${describe}; disabled`;
  const conditions = setCondition(before, { type: 'OwnerChanged', status: 'True', reason, message }, now);
  // Already followed: the flag is set with this reason and nothing is left to do.
  const nothingLeft = action === 'kept' || (action === 'disabled' && row.status === 'disabled');
  if (nothingLeft && sameConditions(conditions.map(stripTime), before.map(stripTime))) return 'none';

  if (action === 'downgraded') {
    await deps.keycloak.replaceRealmRole(row.tenant, row.keycloakUserId!, keycloakRoleName(role, deps.roleNames), keycloakRoleName(newRole, deps.roleNames));
  } else if (action === 'disabled' && row.status === 'active') {
    await deps.keycloak.updateServiceAccountClient(row.tenant, row.keycloakClientUuid!, { enabled: false });
  }
  await deps.repository.transaction(async (tx) => {
    const updated = await deps.repository.update(
      row.id,
      {
        conditions: conditions as object[],
        ...(action === 'downgraded' && { role: newRole }),
        ...(action === 'disabled' && { status: 'disabled' }),
      },
      tx,
    );
    const details = {
      owner: { type: row.createdByType, id: row.createdById, name: row.createdByName },
      owner_state: owner.state,
      owner_role: owner.grantable,
      policy,
      action,
      from_role: role,
      to_role: newRole,
    };
    await deps.audit.record(audit, { action: auditActions.serviceAccountOwnerChanged, outcome: 'success', target: serviceAccountTarget(row.id), details }, tx);
    await deps.webhooks.enqueue(row.tenant, 'service_account.owner_changed', { ...toWebhookPayload(updated), owner_change: details }, tx);
  });
  return action;
}

function stripTime(condition: Condition): Condition {
  return { ...condition, lastTransitionTime: '' };
}
