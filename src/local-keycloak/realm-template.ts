import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../config.ts';

const templatePath = path.join(repoRoot, 'keycloak-realm', 'templates', 'tenant-realm.json');

/** A new tenant's realm: the platform roles and the `portal` client, without users. */
export function renderTenantRealm(realm: string, displayName: string = realm): Record<string, unknown> {
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(realm)) throw new Error(`not a valid tenant realm name: ${realm}`);
  const text = readFileSync(templatePath, 'utf8');
  const filled = text.replaceAll('__REALM__', realm).replaceAll('__DISPLAY_NAME__', JSON.stringify(displayName).slice(1, -1));
  return JSON.parse(filled) as Record<string, unknown>;
}
