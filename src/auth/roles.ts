import type { RoleNames } from '../config.ts';

/** Canonical role names inside the bridge; Keycloak role names are configurable (RoleNames). */
export const roles = ['viewer', 'devops', 'tenant-admin', 'cpi-admin'] as const;
export type Role = (typeof roles)[number];

const rank: Record<Role, number> = { viewer: 1, devops: 2, 'tenant-admin': 3, 'cpi-admin': 4 };

export function roleRank(role: Role): number {
  return rank[role];
}

/** True when `role` grants at least what `required` grants. */
export function hasAtLeast(role: Role | null, required: Role): boolean {
  return role !== null && rank[role] >= rank[required];
}

export function keycloakRoleName(role: Role, names: RoleNames): string {
  switch (role) {
    case 'cpi-admin':
      return names.cpiAdmin;
    case 'tenant-admin':
      return names.tenantAdmin;
    case 'devops':
      return names.devops;
    case 'viewer':
      return names.viewer;
  }
}

/**
 * The highest platform role among a token's realm roles. cpi-admin counts only in the platform
 * realm, so that a tenant admin who can edit their own realm's roles cannot make themselves
 * platform operators; tenant roles count in any realm.
 */
export function resolveRole(realmRoles: readonly string[], realm: string, platformRealm: string, names: RoleNames): Role | null {
  const held = new Set(realmRoles);
  let best: Role | null = null;
  for (const role of roles) {
    if (role === 'cpi-admin' && realm !== platformRealm) continue;
    if (held.has(keycloakRoleName(role, names)) && (best === null || rank[role] > rank[best])) best = role;
  }
  return best;
}
