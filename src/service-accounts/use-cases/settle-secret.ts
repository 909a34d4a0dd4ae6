// A rotation is two Keycloak calls and a row write; when it fails part way, Keycloak may hold a
// new secret nobody received while the row still describes the old one. This puts them back in
// agreement, judged by the fingerprint of the secret the row last handed out:
//  - Keycloak's current secret is the row's: nothing to undo; a previous secret Keycloak keeps but
//    the row does not know of is dropped, one the row counts on but Keycloak lost is forgotten;
//  - the row's secret is Keycloak's previous one: the rotation is undone, so the secret the caller
//    holds is current again with its own dates (a previous secret it displaced is gone);
//  - Keycloak holds the row's secret nowhere (a rotation without grace dropped it and then its
//    record failed, or someone regenerated it by hand): the row records what Keycloak holds, so its
//    dates are true; the caller regenerates to get a secret.
// Shared by the rotation's compensation and the reconciler's drift check.
import type { Prisma } from '../../generated/prisma/client.ts';
import { secretExpiry, type RotationLimits } from '../rotation-policy.ts';
import type { ServiceAccountRow } from '../service-account-repository.ts';
import type { ServiceAccountDeps } from './context.ts';

export type SecretSettlement = 'in-sync' | 'restored' | 'recorded' | 'previous-dropped' | 'previous-forgotten' | 'skipped';

export async function settleSecret(
  deps: Pick<ServiceAccountDeps, 'repository' | 'keycloak' | 'fingerprints'>,
  row: ServiceAccountRow,
  policy: RotationLimits,
  options: { now?: number; settledAfterMs?: number; tx?: Prisma.TransactionClient } = {},
): Promise<SecretSettlement> {
  const { keycloak, fingerprints, repository } = deps;
  if (!row.keycloakClientUuid || row.secretFingerprint === null) return 'skipped';
  const now = options.now ?? Date.now();
  const secrets = await keycloak.readSecrets(row.tenant, row.keycloakClientUuid, now);
  // A secret made moments ago may belong to a rotation still in flight, whose row write is coming.
  if (options.settledAfterMs && secrets.createdAt !== undefined && secrets.createdAt * 1000 > now - options.settledAfterMs) return 'skipped';
  const graceRuns = row.previousSecretExpiresAt !== null && row.previousSecretExpiresAt.getTime() > now;

  if (fingerprints.matches(secrets.current, row.secretFingerprint)) {
    if (secrets.rotated && !graceRuns) {
      await keycloak.invalidatePreviousSecret(row.tenant, row.keycloakClientUuid);
      return 'previous-dropped';
    }
    if (!secrets.rotated && graceRuns) {
      await repository.update(row.id, { previousSecretExpiresAt: null }, options.tx);
      return 'previous-forgotten';
    }
    return 'in-sync';
  }

  if (secrets.rotated && fingerprints.matches(secrets.rotated.secret, row.secretFingerprint)) {
    await keycloak.restoreSecret(row.tenant, row.keycloakClientUuid, secrets.rotated.secret, { createdAt: row.secretRotatedAt, expiresAt: row.secretExpiresAt });
    if (row.previousSecretExpiresAt !== null) await repository.update(row.id, { previousSecretExpiresAt: null }, options.tx);
    return 'restored';
  }

  const createdAt = new Date((secrets.createdAt ?? Math.floor(now / 1000)) * 1000);
  await repository.update(
    row.id,
    {
      secretFingerprint: fingerprints.of(secrets.current),
      secretRotatedAt: createdAt,
      secretExpiresAt: secretExpiry(createdAt, policy),
      previousSecretExpiresAt: secrets.rotated ? new Date(secrets.rotated.expiresAt * 1000) : null,
      expiryNoticeSent: null,
    },
    options.tx,
  );
  return 'recorded';
}
