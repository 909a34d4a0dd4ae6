// docker-compose.yml and deploy/keycloak/Dockerfile, checked offline (no Docker engine here):
// the compose-spec JSON schema bundled in check-jsonschema, then what the schema cannot know:
// Keycloak in step with the embedded launcher, on PostgreSQL with named volumes, one bridge image.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../src/config.ts';
import { BUILD_OPTIONS } from '../../src/local-keycloak/keycloak-distribution.ts';
import { KEYCLOAK_VERSION } from '../../src/local-keycloak/local-server.ts';
import { deployTools, parseYamlStream, runTool } from './deploy-tools.ts';

const composeFile = path.join(repoRoot, 'docker-compose.yml');
const setup = await deployTools();

interface Service {
  image?: string;
  build?: string | { context: string; args?: Record<string, string> };
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  restart?: string;
  pull_policy?: string;
  stop_grace_period?: string;
}
interface Compose {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
}

describe.skipIf(!setup.tools)('docker-compose.yml', () => {
  const load = async () => (await parseYamlStream(setup.tools!, await readFile(composeFile, 'utf8')))[0] as Compose;

  it('when checked against the compose-spec schema, then it is valid', async () => {
    const result = await runTool(setup.tools!.checkJsonschema, ['--builtin-schema', 'vendor.compose-spec', composeFile]);
    expect(result.stdout + result.stderr).toContain('ok -- validation done');
    expect(result.code).toBe(0);
  });

  it('when a service is broken, then the schema check refuses it (the check is real)', async () => {
    const text = (await readFile(composeFile, 'utf8')).replace('condition: service_completed_successfully', 'condition: service_finished');
    const result = await runTool(setup.tools!.checkJsonschema, ['--builtin-schema', 'vendor.compose-spec', '--default-filetype', 'yaml', '-'], text);
    expect(result.code).not.toBe(0);
  });

  it('when Keycloak is built, then it is the launcher\'s version and build options, on PostgreSQL', async () => {
    const dockerfile = await readFile(path.join(repoRoot, 'deploy', 'keycloak', 'Dockerfile'), 'utf8');
    expect(dockerfile).toContain(`ARG KEYCLOAK_VERSION=${KEYCLOAK_VERSION}`);
    const build = /kc\.sh build (.+)$/m.exec(dockerfile)?.[1]?.trim().split(/\s+/) ?? [];
    const expected = BUILD_OPTIONS.map((o) => (o.startsWith('--db=') ? '--db=postgres' : o));
    expect([...build].sort()).toEqual([...expected].sort());
    const compose = await load();
    const keycloak = compose.services.keycloak!;
    expect(keycloak.build).toMatchObject({ context: 'deploy/keycloak', args: { KEYCLOAK_VERSION } });
    expect(keycloak.command!.slice(0, 2)).toEqual(['start', '--optimized']);
    // --cache is a runtime option in 26.7: the launcher passes it at start too.
    expect(keycloak.command).toContain('--cache=local');
    expect(keycloak.environment!.KC_DB_URL).toMatch(/^jdbc:postgresql:\/\/keycloak-postgres:5432\//);
    expect(keycloak.depends_on!['keycloak-postgres']).toEqual({ condition: 'service_healthy' });
    expect(await readFile(composeFile, 'utf8')).not.toMatch(/dev-file/);
  });

  it('when the databases are declared, then each keeps its data in its own named volume', async () => {
    const compose = await load();
    const dataVolume = (service: string) =>
      compose.services[service]!.volumes!.find((v) => v.endsWith(':/var/lib/postgresql/data'))?.split(':')[0];
    const bridgeDb = dataVolume('postgres');
    const keycloakDb = dataVolume('keycloak-postgres');
    expect(bridgeDb).toBeTruthy();
    expect(keycloakDb).toBeTruthy();
    expect(bridgeDb).not.toBe(keycloakDb);
    expect(Object.keys(compose.volumes)).toEqual(expect.arrayContaining([bridgeDb, keycloakDb, 'bridge-data']));
    expect(compose.services['sa-bridge']!.environment!.DATABASE_URL).toContain('@postgres:5432/');
  });

  it('when the bridge and its setup job are declared, then they share one image built once', async () => {
    const compose = await load();
    const bridge = compose.services['sa-bridge']!;
    const setupJob = compose.services['keycloak-setup']!;
    expect(bridge.build).toBe('.');
    expect(setupJob.build).toBeUndefined();
    expect(setupJob.image).toBe(bridge.image);
    expect(setupJob.pull_policy).toBe('never');
    expect(setupJob.command).toEqual(['node', 'dist/scripts/setup-keycloak.js']);
    const env = setupJob.environment!;
    expect(env.SETUP_REALMS !== undefined || env.SETUP_IMPORT_DEMO_REALMS !== undefined).toBe(true);
    expect(env.SETUP_IMPORT_DEMO_REALMS).toBe('${SETUP_IMPORT_DEMO_REALMS:-true}');
    expect(env.KEYCLOAK_ADMIN_CLIENT_SECRET).toBe(bridge.environment!.KEYCLOAK_ADMIN_CLIENT_SECRET);
    expect(bridge.depends_on!['keycloak-setup']).toEqual({ condition: 'service_completed_successfully' });
  });

  it('when services are declared, then servers restart, the job does not, and every dependency exists', async () => {
    const compose = await load();
    for (const [name, service] of Object.entries(compose.services)) {
      expect([name, service.restart]).toEqual([name, name === 'keycloak-setup' ? 'no' : 'unless-stopped']);
      for (const dependency of Object.keys(service.depends_on ?? {})) expect(Object.keys(compose.services)).toContain(dependency);
    }
    // Longer than the bridge's 20 s hard stop (src/main.ts); docker's default is 10 s.
    expect(compose.services['sa-bridge']!.stop_grace_period).toBe('30s');
  });
});

// Shown in the report only where the tools could not be installed (never in CI: .ci/run requires them).
if (!setup.tools) {
  describe('docker-compose.yml', () => {
    it.skip(`skipped: ${setup.skipReason}`, () => {});
  });
}
