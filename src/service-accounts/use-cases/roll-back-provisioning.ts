// Undoes a half-done create: deletes the Keycloak client (found by clientId when the create
// call's answer was lost) and retires the row. If Keycloak is unreachable the row stays
// `provisioning`, and the reconciler finishes the job later. Shared by create and the reconciler.
import type { ServiceAccountRow } from '../service-account-repository.ts';
import type { ServiceAccountDeps } from './context.ts';

export async function rollBackProvisioning(
  deps: Pick<ServiceAccountDeps, 'repository' | 'keycloak' | 'logger'>,
  realm: string,
  row: ServiceAccountRow,
  clientUuid: string | undefined,
): Promise<boolean> {
  try {
    const uuid = clientUuid ?? (await deps.keycloak.findClientByClientId(realm, row.clientId))?.uuid;
    if (uuid) await deps.keycloak.deleteServiceAccountClient(realm, uuid);
    await deps.repository.transition(row.id, ['provisioning'], { status: 'deleted', deletedAt: new Date() });
    return true;
  } catch (error) {
    deps.logger.error({ err: error, serviceAccountId: row.id }, 'compensation failed; the reconciler will retry');
    return false;
  }
}
