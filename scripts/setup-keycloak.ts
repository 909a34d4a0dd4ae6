// Prepares an existing Keycloak for sa-bridge, with an operator's master admin client:
// creates (or updates) the bridge's least-privilege admin client `sa-bridge-admin` with the
// secret you choose, grants it management of the realms you name, and optionally imports the
// demo realms. The bridge itself never holds the operator's credentials.
//
//   KEYCLOAK_URL=https://kc.example.com \
//   SETUP_ADMIN_CLIENT_ID=... SETUP_ADMIN_CLIENT_SECRET=... \
//   KEYCLOAK_ADMIN_CLIENT_SECRET=$(openssl rand -base64 32) \
//   SETUP_REALMS=acme,globex [SETUP_IMPORT_DEMO_REALMS=true] npm run setup:keycloak
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { repoRoot } from '../src/config.ts';
import { ensureBridgeAdminClient, grantBridgeRealmAccess, importRealm } from '../src/local-keycloak/keycloak-bootstrap.ts';

const env = process.env;
const missing = ['KEYCLOAK_URL', 'SETUP_ADMIN_CLIENT_ID', 'SETUP_ADMIN_CLIENT_SECRET', 'KEYCLOAK_ADMIN_CLIENT_SECRET'].filter((k) => !env[k]);
if (missing.length) {
  console.error(`setup-keycloak: set ${missing.join(', ')}`);
  process.exit(2);
}
const url = env.KEYCLOAK_URL!.replace(/\/+$/, '');
const admin = { realm: env.SETUP_ADMIN_REALM ?? 'master', clientId: env.SETUP_ADMIN_CLIENT_ID!, clientSecret: env.SETUP_ADMIN_CLIENT_SECRET! };
const realms = new Set((env.SETUP_REALMS ?? '').split(',').map((r) => r.trim()).filter(Boolean));
const bridge = { clientId: env.KEYCLOAK_ADMIN_CLIENT_ID ?? 'sa-bridge-admin', clientSecret: env.KEYCLOAK_ADMIN_CLIENT_SECRET! };

if (realms.size === 0 && env.SETUP_IMPORT_DEMO_REALMS !== 'true') {
  console.error('setup-keycloak: name the realms the bridge serves in SETUP_REALMS (or set SETUP_IMPORT_DEMO_REALMS=true for the demo realms)');
  process.exit(2);
}
await ensureBridgeAdminClient(url, admin, bridge);
console.log(`admin client ${bridge.clientId} ready in master`);
// Demo data (users with the password "demo") only on explicit request, never by default.
if (env.SETUP_IMPORT_DEMO_REALMS === 'true') {
  const dir = path.join(repoRoot, 'keycloak-realm');
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.json'))) {
    const representation = JSON.parse(await readFile(path.join(dir, file), 'utf8')) as Record<string, unknown>;
    if (await importRealm(url, admin, representation)) console.log(`imported realm ${String(representation.realm)}`);
    realms.add(String(representation.realm));
  }
}
for (const realm of realms) {
  await grantBridgeRealmAccess(url, admin, bridge.clientId, realm);
  console.log(`granted ${bridge.clientId} management of realm ${realm}`);
}
