// Starts one Keycloak for the whole integration run with the same launcher `npm start` uses,
// or uses an existing one when KEYCLOAK_URL is set. Tests receive the connection via inject().
import os from 'node:os';
import path from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import type { TestProject } from 'vitest/node';
import { repoRoot } from '../../src/config.ts';
import { startLocalKeycloak, type LocalKeycloak } from '../../src/local-keycloak/local-server.ts';
import { freePort } from './free-port.ts';

export interface TestKeycloak {
  url: string;
  source: string;
  bootstrapAdmin: { realm: 'master'; clientId: string; clientSecret: string };
  bridgeAdmin: { realm: 'master'; clientId: string; clientSecret: string };
}

declare module 'vitest' {
  export interface ProvidedContext {
    keycloak: TestKeycloak;
  }
}

function dockerEngineAnswers(): boolean {
  try {
    execFileSync('docker', ['info', '--format', '{{.ServerVersion}}'], { stdio: 'ignore', timeout: 3000 });
    return true;
  } catch {
    return false;
  }
}

let local: LocalKeycloak | undefined;
let dataDir: string | undefined;

export async function setup(project: TestProject): Promise<void> {
  const env = process.env;
  if (env.KEYCLOAK_URL) {
    const need = ['TEST_KEYCLOAK_ADMIN_CLIENT_ID', 'TEST_KEYCLOAK_ADMIN_CLIENT_SECRET', 'KEYCLOAK_ADMIN_CLIENT_SECRET'];
    const missing = need.filter((k) => !env[k]);
    if (missing.length) throw new Error(`KEYCLOAK_URL is set; tests also need ${missing.join(', ')}`);
    console.log(`[test] Keycloak: existing server at ${env.KEYCLOAK_URL} (KEYCLOAK_URL)`);
    project.provide('keycloak', {
      url: env.KEYCLOAK_URL.replace(/\/+$/, ''),
      source: 'KEYCLOAK_URL',
      bootstrapAdmin: { realm: 'master', clientId: env.TEST_KEYCLOAK_ADMIN_CLIENT_ID!, clientSecret: env.TEST_KEYCLOAK_ADMIN_CLIENT_SECRET! },
      bridgeAdmin: { realm: 'master', clientId: env.KEYCLOAK_ADMIN_CLIENT_ID ?? 'sa-bridge-admin', clientSecret: env.KEYCLOAK_ADMIN_CLIENT_SECRET! },
    });
    return;
  }
  const why = dockerEngineAnswers()
    ? 'a Docker engine answers, but the launcher is used so tests match `npm start`'
    : 'no Docker engine answers here';
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'sa-bridge-test-kc-'));
  const started = Date.now();
  local = await startLocalKeycloak({
    port: await freePort(),
    managementPort: await freePort(),
    dataDir,
    cacheDir: env.KEYCLOAK_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'sa-bridge'),
    realmsDir: path.join(repoRoot, 'keycloak-realm'),
    javaHome: env.JAVA_HOME,
    env,
    log: (msg) => console.log(`[test] ${msg}`),
  });
  const source = `local launcher (Keycloak ${local.keycloakVersion}, Java ${local.javaVersion}; ${why})`;
  console.log(`[test] Keycloak: ${source} at ${local.url}, ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  project.provide('keycloak', { url: local.url, source, bootstrapAdmin: local.bootstrapAdmin, bridgeAdmin: local.bridgeAdmin });
}

export async function teardown(): Promise<void> {
  await local?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
}
