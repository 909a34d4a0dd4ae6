// `npm run keycloak:admin`: prints, once, the address and credentials of a new temporary admin
// user of the local Keycloak the embedded default runs (see src/local-keycloak/temporary-admin.ts).
import { InvalidConfigError, loadConfig } from '../src/config.ts';
import { createTemporaryAdmin, NoLocalKeycloakError } from '../src/local-keycloak/temporary-admin.ts';

async function main(): Promise<number> {
  const config = loadConfig();
  if (config.keycloak.url) {
    console.error('sa-bridge: KEYCLOAK_URL is set: this command is for the local Keycloak of the embedded default; use your Keycloak\'s own administrators');
    return 2;
  }
  const local = config.keycloak.local;
  const admin = await createTemporaryAdmin({
    dataDir: local.dataDir,
    cacheDir: local.cacheDir,
    port: local.port,
    javaHome: local.javaHome,
    env: config.childEnv,
    log: (msg) => console.error(`[keycloak:admin] ${msg}`),
  });
  console.log(`Keycloak admin console: ${admin.consoleUrl}`);
  console.log(`username: ${admin.username}`);
  console.log(`password: ${admin.password}`);
  console.log('Shown once, not stored. Keycloak marks this admin temporary: create a permanent one (or a service account) and delete this user.');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof InvalidConfigError || error instanceof NoLocalKeycloakError) console.error(`sa-bridge: ${error.message}`);
    else console.error(error);
    process.exit(1);
  },
);
