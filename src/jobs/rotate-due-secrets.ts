// Scheduled rotation: due rows are claimed with `SELECT … FOR UPDATE SKIP LOCKED` inside the
// transaction that also records each rotation, so a second bridge on the same database skips
// them and every rotation happens once.
import { systemAuditContext } from '../audit/audit-service.ts';
import { scheduledGraceSeconds } from '../service-accounts/rotation-policy.ts';
import type { ServiceAccountRepository } from '../service-accounts/service-account-repository.ts';
import type { ServiceAccountUseCases } from '../service-accounts/use-cases/service-account-use-cases.ts';
import type { TenantPolicyService } from '../tenants/tenant-policy-service.ts';
import type { TenantPolicy, TenantRepository } from '../tenants/tenant-repository.ts';

export interface RotateDueSecretsDeps {
  repository: ServiceAccountRepository;
  tenants: Pick<TenantRepository, 'realmsWithDueRotations'>;
  policies: Pick<TenantPolicyService, 'read'>;
  useCases: Pick<ServiceAccountUseCases, 'rotateSecret'>;
}

/**
 * Claims up to `batch` due rotations and performs them; returns the rotated SA ids. Once `signal`
 * is aborted no further rotation starts: the transaction commits those done and releases the
 * other claimed rows, still due.
 */
export async function rotateDueSecrets(deps: RotateDueSecretsDeps, batch = 10, signal?: AbortSignal): Promise<string[]> {
  // Policies are read before the transaction, which then holds its connection for the rotations.
  const policies = new Map<string, TenantPolicy>();
  for (const realm of await deps.tenants.realmsWithDueRotations()) {
    const policy = await deps.policies.read(realm);
    if (policy) policies.set(realm, policy);
  }
  if (policies.size === 0) return [];
  return deps.repository.transaction(
    async (tx) => {
      const rotated: string[] = [];
      for (const row of await deps.repository.claimDueRotations(tx, batch)) {
        if (signal?.aborted) break;
        const policy = policies.get(row.tenant);
        // A tenant whose rotation fell due after the policies were read waits for the next run.
        if (!policy) continue;
        const grace = scheduledGraceSeconds(row.rotationGracePeriodHours, policy);
        await deps.useCases.rotateSecret(row, grace, policy, systemAuditContext(row.tenant, 'rotation-scheduler'), 'scheduled', tx);
        rotated.push(row.id);
      }
      return rotated;
    },
    { timeout: 120_000, maxWait: 10_000 },
  );
}
