// What the console offers, by the caller's role: the bridge's own rules (src/auth/permissions.ts),
// so nobody is offered a control the API would refuse. The API still decides.
import type { Me, Role, ServiceAccount } from './types.ts';

export const roles: Role[] = ['viewer', 'devops', 'tenant-admin', 'cpi-admin'];

const rank = (role: Role | null) => (role ? roles.indexOf(role) + 1 : 0);

export function hasAtLeast(role: Role | null, required: Role): boolean {
  return rank(role) >= rank(required);
}

export function mayCreate(me: Me): boolean {
  return hasAtLeast(me.role, 'devops');
}

/** Update, enable/disable, rotate and delete: tenant-admin for any SA, devops for its own. */
export function mayChange(me: Me, sa: ServiceAccount): boolean {
  if (hasAtLeast(me.role, 'tenant-admin')) return true;
  return me.role === 'devops' && sa.created_by.type === me.actor.type && sa.created_by.id === me.actor.id;
}

export function mayReadAudit(me: Me): boolean {
  return hasAtLeast(me.role, 'tenant-admin');
}

export function mayManageWebhooks(me: Me): boolean {
  return hasAtLeast(me.role, 'tenant-admin');
}

export function mayReadPolicy(me: Me, tenant: string): boolean {
  return me.role === 'cpi-admin' || (me.tenant === tenant && hasAtLeast(me.role, 'tenant-admin'));
}

export function mayEditPolicy(me: Me): boolean {
  return me.role === 'cpi-admin';
}

/** Roles a new SA may get: the caller's own and below; cpi-admin outside the platform realm gives tenant-admin at most. */
export function grantableRoles(me: Me, tenant: string, platformRealm: string): Role[] {
  const ceiling: Role | null = me.role === 'cpi-admin' && tenant !== platformRealm ? 'tenant-admin' : me.role;
  return roles.filter((role) => rank(role) <= rank(ceiling));
}
