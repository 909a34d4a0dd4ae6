// A deployment of bridge processes (src/main.ts, as `npm start` runs it), for tests of what only a
// real process shows: signals, shutdown, restarts. It has a tenant realm, an admin client of its
// own that manages only that realm (a bridge registers every realm its admin client manages, and
// other files create realms on the shared Keycloak meanwhile), one fresh database and one
// SERVER_ENCRYPTION_KEY; every replica started shares them and has its own DATA_DIR and port.
// remove() stops every replica still running, then removes what was created.
import { randomBytes } from 'node:crypto';
import { createBridgeAdmin, startBridgeProcess, startDatabaseServer, type BridgeProcess, type HarnessKeycloak } from '../harness/environment.ts';
import { createTestRealm, testKeycloak, type TestRealm } from './keycloak.ts';
import { inject } from 'vitest';

export interface BridgeDeployment {
  tenant: TestRealm;
  databaseUrl: string;
  /** Starts a replica; resolves once its /readyz is 200. */
  start(env?: Record<string, string>): Promise<BridgeProcess>;
  remove(): Promise<void>;
}

export async function createBridgeDeployment(prefix: string): Promise<BridgeDeployment> {
  const kc = testKeycloak();
  const harnessKeycloak: HarnessKeycloak = { url: kc.url, bootstrapAdmin: kc.bootstrapAdmin, stop: async () => undefined };
  const cleanups: Array<() => Promise<unknown>> = [];
  let removed = false;
  const remove = async () => {
    removed = true;
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch((error: unknown) => console.warn(`[${prefix}] cleanup: ${String(error)}`));
  };
  try {
    const tenant = await createTestRealm(prefix);
    cleanups.push(() => tenant.remove());
    const admin = await createBridgeAdmin(harnessKeycloak, [tenant.realm]);
    cleanups.push(() => admin.remove());
    const server = await startDatabaseServer(() => undefined, { url: inject('database').url });
    const database = await server.createDatabase();
    cleanups.push(() => database.drop());
    const running = new Set<BridgeProcess>();
    // Stopped before the database is dropped (cleanups run last first).
    cleanups.push(() => Promise.all([...running].map((bridge) => bridge.stop())));
    const serverKey = randomBytes(32).toString('base64');
    return {
      tenant,
      databaseUrl: database.url,
      async start(env = {}) {
        const bridge = await startBridgeProcess({
          KEYCLOAK_URL: kc.url,
          KEYCLOAK_ADMIN_CLIENT_ID: admin.clientId,
          KEYCLOAK_ADMIN_CLIENT_SECRET: admin.clientSecret,
          DATABASE_URL: database.url,
          SERVER_ENCRYPTION_KEY: serverKey,
          ...env,
        });
        // Started after remove() began (a test that failed while it was starting): not left running.
        if (removed) {
          await bridge.stop();
          throw new Error('the deployment was removed while this replica started');
        }
        running.add(bridge);
        const stop = bridge.stop.bind(bridge);
        bridge.stop = async (signal) => {
          const code = await stop(signal);
          running.delete(bridge);
          return code;
        };
        return bridge;
      },
      remove,
    };
  } catch (error) {
    await remove();
    throw error;
  }
}
