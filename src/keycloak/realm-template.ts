// The tenant realm template (keycloak-realm/templates/tenant-realm.json): what POST /v1/tenants
// creates, and what the tests' realms are made from.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../config.ts';

const templatePath = path.join(repoRoot, 'keycloak-realm', 'templates', 'tenant-realm.json');

export const TENANT_REALM_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** Keycloak names of the platform roles, when they differ from the template's. */
export interface TemplateRoleNames {
  cpiAdmin: string;
  tenantAdmin: string;
  devops: string;
  viewer: string;
}

/** A new tenant's realm: the platform roles, the `portal` client and event settings, without users. */
export function renderTenantRealm(realm: string, displayName: string = realm, roleNames?: TemplateRoleNames): Record<string, unknown> {
  if (!TENANT_REALM_PATTERN.test(realm)) throw new Error(`not a valid tenant realm name: ${realm}`);
  const text = readFileSync(templatePath, 'utf8');
  const filled = text.replaceAll('__REALM__', realm).replaceAll('__DISPLAY_NAME__', JSON.stringify(displayName).slice(1, -1));
  const representation = JSON.parse(filled) as Record<string, unknown>;
  if (roleNames) {
    const rename: Record<string, string> = { 'cpi-admin': roleNames.cpiAdmin, 'tenant-admin': roleNames.tenantAdmin, devops: roleNames.devops, viewer: roleNames.viewer };
    const roles = representation.roles as { realm: Array<{ name: string; description?: string }> };
    roles.realm = roles.realm.map((role) => ({ ...role, name: rename[role.name] ?? role.name }));
  }
  return representation;
}

/** The template's realm roles (renamed to `roleNames`), for a realm that is adopted. */
export function templateRealmRoles(roleNames?: TemplateRoleNames): Array<{ name: string; description?: string }> {
  return (renderTenantRealm('template', 'template', roleNames).roles as { realm: Array<{ name: string; description?: string }> }).realm;
}

/** The template's `portal` client, for an adopted realm that has none. */
export function templatePortalClient(): { clientId: string } & Record<string, unknown> {
  const clients = renderTenantRealm('template').clients as Array<{ clientId: string } & Record<string, unknown>>;
  return clients.find((client) => client.clientId === 'portal')!;
}
