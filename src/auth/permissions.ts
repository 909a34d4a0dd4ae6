// Who may do what, as pure functions so every cell is unit-testable. The roles rank
// viewer < devops < tenant-admin < cpi-admin, and each may do what the ones below it may:
//   cpi-admin    everything, in every tenant (it selects one with ?tenant=); tenant policy changes
//   tenant-admin create, read, update, disable, delete and regenerate any SA of its tenant; audit
//   devops       create and read; update, regenerate and delete only the SAs it created itself
//   viewer       read service accounts
// A caller with none of these roles may do nothing. A new SA gets its creator's role, or a lower
// one on request, never a higher one (grantableRole).
import { hasAtLeast, roleRank, type Role } from './roles.ts';
import type { Actor } from './principal.ts';

export type ServiceAccountAction = 'create' | 'read' | 'update' | 'regenerate' | 'delete';

export interface Caller {
  role: Role | null;
  actor: Actor;
}

export interface OwnedResource {
  createdByType: string;
  createdById: string;
}

export function isCreator(caller: Caller, resource: OwnedResource): boolean {
  return resource.createdByType === caller.actor.type && resource.createdById === caller.actor.id;
}

/** Whether the caller may perform `action`; `resource` is required for actions on one SA. */
export function mayActOnServiceAccount(caller: Caller, action: ServiceAccountAction, resource?: OwnedResource): boolean {
  switch (action) {
    case 'read':
      return hasAtLeast(caller.role, 'viewer');
    case 'create':
      return hasAtLeast(caller.role, 'devops');
    case 'update':
    case 'regenerate':
    case 'delete':
      if (hasAtLeast(caller.role, 'tenant-admin')) return true;
      return caller.role === 'devops' && resource !== undefined && isCreator(caller, resource);
  }
}

export function mayReadAudit(caller: Caller): boolean {
  return hasAtLeast(caller.role, 'tenant-admin');
}

/**
 * The role a new SA gets: the caller's own unless a lower one is asked for. cpi-admin means
 * something only in the platform realm, so in a tenant realm the ceiling is tenant-admin.
 * Returns undefined when the requested role is above the ceiling (escalation).
 */
export function grantableRole(callerRole: Role, requested: Role | undefined, tenantIsPlatform: boolean): Role | undefined {
  const ceiling: Role = callerRole === 'cpi-admin' && !tenantIsPlatform ? 'tenant-admin' : callerRole;
  const wanted = requested ?? ceiling;
  return roleRank(wanted) <= roleRank(ceiling) ? wanted : undefined;
}
