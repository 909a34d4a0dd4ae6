// `npm run keycloak:admin`: a temporary admin user of the local Keycloak (the embedded default),
// made by Keycloak's own `kc.sh bootstrap-admin user` against its H2 database (which the running
// server shares through H2's AUTO_SERVER mode), so an operator can open the admin console.
// Keycloak marks such users temporary and its console asks to replace them.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { findJdk } from './find-jdk.ts';
import { prepareDistribution } from './keycloak-distribution.ts';
import { KEYCLOAK_VERSION, localDatabaseUrl, localJavaOptions } from './local-server.ts';

const run = promisify(execFile);

export interface TemporaryAdmin {
  consoleUrl: string;
  username: string;
  password: string;
}

export class NoLocalKeycloakError extends Error {
  constructor(dataDir: string) {
    super(`no local Keycloak under ${dataDir}: start the bridge once on the embedded default (npm start) first`);
    this.name = 'NoLocalKeycloakError';
  }
}

export async function createTemporaryAdmin(options: {
  dataDir: string;
  cacheDir: string;
  port: number;
  javaHome?: string;
  env: NodeJS.ProcessEnv;
  log: (msg: string) => void;
}): Promise<TemporaryAdmin> {
  if (!existsSync(path.join(options.dataDir, 'h2'))) throw new NoLocalKeycloakError(options.dataDir);
  const jdk = await findJdk({ javaHome: options.javaHome, minimumMajor: 21, keycloakVersion: KEYCLOAK_VERSION });
  const home = await prepareDistribution({ version: KEYCLOAK_VERSION, cacheDir: options.cacheDir, jdk, env: options.env, log: options.log });
  const username = `temp-admin-${randomBytes(3).toString('hex')}`;
  const password = randomBytes(18).toString('base64url');
  options.log(`running kc.sh bootstrap-admin user for ${username} (about half a minute)`);
  try {
    await run(
      path.join(home, 'bin', 'kc.sh'),
      ['bootstrap-admin', 'user', '--optimized', '--no-prompt', `--username=${username}`, '--password:env=SA_BRIDGE_TEMP_ADMIN_PASSWORD', '--cache=local', `--db-url=${localDatabaseUrl(options.dataDir)}`],
      {
        // The password reaches Keycloak through its environment only, never its command line.
        env: {
          ...options.env,
          ...(jdk.javaHome && { JAVA_HOME: jdk.javaHome }),
          JAVA_OPTS_APPEND: localJavaOptions(options.dataDir),
          SA_BRIDGE_TEMP_ADMIN_PASSWORD: password,
        },
        maxBuffer: 16 * 1024 * 1024,
        timeout: 5 * 60_000,
      },
    );
  } catch (error) {
    const output = String((error as { stdout?: string }).stdout ?? '') + String((error as { stderr?: string }).stderr ?? '');
    throw new Error(`kc.sh bootstrap-admin user failed:\n${output.split('\n').slice(-20).join('\n')}`);
  }
  return { consoleUrl: `http://127.0.0.1:${options.port}/admin/master/console/`, username, password };
}
