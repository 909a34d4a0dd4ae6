// Tenant policy: the one place it is read (with the one cache, for hot paths) and changed.
// A change is checked, written, pushed to Keycloak (undone if that fails), then every live SA's
// token lifetime is re-clamped to it (what a failure leaves, the reconciler finishes), and the
// change is audited.
import { auditActions } from '../audit/audit-actions.ts';
import type { AuditContext, AuditService } from '../audit/audit-service.ts';
import type { Principal } from '../auth/principal.ts';
import type { ChangeFeed } from '../db/change-feed.ts';
import { hasAtLeast } from '../auth/roles.ts';
import { AppError, InsufficientRoleError, NotFoundError } from '../errors/app-error.ts';
import { applyPolicyChange, findPolicyProblem, toPolicyResponse } from './tenant-policy.ts';
import type { TenantPolicy, TenantRepository } from './tenant-repository.ts';
import type { UpdateTenantPolicyInput } from './tenant-schemas.ts';
import type { TenantSetup } from './tenant-setup.ts';

export interface TenantPolicyServiceDeps {
  repository: TenantRepository;
  setup: Pick<TenantSetup, 'configureRealm'>;
  audit: AuditService;
  /** Re-clamps every live SA of the tenant to a new policy; returns the SA ids changed. */
  reclampTokenLifetimes: (tenant: string, policy: TenantPolicy, audit: AuditContext) => Promise<string[]>;
  minSecretAgeSeconds: number;
  /** How long read() may answer from memory. */
  cacheMs?: number;
  /** Drops a tenant's cached policy as soon as its row changes anywhere. */
  changes?: Pick<ChangeFeed, 'subscribe'>;
  now?: () => number;
}

export type TenantPolicyService = ReturnType<typeof createTenantPolicyService>;

export function createTenantPolicyService(deps: TenantPolicyServiceDeps) {
  const now = deps.now ?? Date.now;
  const cacheMs = deps.cacheMs ?? 5000;
  const cache = new Map<string, { policy: TenantPolicy | null; until: number }>();
  deps.changes?.subscribe((change) => {
    if (change.table === 'tenants') cache.delete(change.tenant);
    else if (change.table === '*') cache.clear();
  });

  async function readCurrent(realm: string): Promise<TenantPolicy> {
    const policy = await deps.repository.findPolicy(realm);
    if (!policy) throw new NotFoundError('tenant_not_found', `No tenant named ${realm}`);
    cache.set(realm, { policy, until: now() + cacheMs });
    return policy;
  }

  return {
    /** The policy as stored now: for changes that must not act on an old one. */
    readCurrent,

    /**
     * For hot paths (token exchange, the scheduler): kept `cacheMs`. A change made through this
     * process is seen at once; one made through another process within `cacheMs`.
     */
    async read(realm: string): Promise<TenantPolicy | null> {
      const cached = cache.get(realm);
      if (cached && cached.until > now()) return cached.policy;
      const policy = await deps.repository.findPolicy(realm);
      cache.set(realm, { policy, until: now() + cacheMs });
      return policy;
    },

    /** Tenant-admins (and above) of the tenant read it; cpi-admin reads every tenant's. */
    async readAs(principal: Principal, realm: string) {
      const allowed = principal.role === 'cpi-admin' || (principal.realm === realm && hasAtLeast(principal.role, 'tenant-admin'));
      if (!allowed) throw new InsufficientRoleError('Reading a tenant policy needs tenant-admin of that tenant, or cpi-admin');
      return toPolicyResponse(realm, await readCurrent(realm));
    },

    /** Only cpi-admin changes a policy. */
    async update(principal: Principal, audit: AuditContext, realm: string, change: UpdateTenantPolicyInput) {
      const target = { type: 'tenant', id: realm };
      if (principal.role !== 'cpi-admin') {
        await deps.audit.recordSafely(audit, { action: auditActions.tenantPolicyUpdated, outcome: 'denied', target });
        throw new InsufficientRoleError('Only cpi-admin may change a tenant policy');
      }
      const before = await readCurrent(realm);
      const next = applyPolicyChange(before, change);
      const problem = findPolicyProblem(next, { minSecretAgeSeconds: deps.minSecretAgeSeconds });
      if (problem) throw new AppError('invalid_request', problem.detail, { errors: [problem.error] });
      await deps.repository.updatePolicy(realm, next);
      cache.delete(realm);
      try {
        await deps.setup.configureRealm(realm);
      } catch (error) {
        await deps.repository.updatePolicy(realm, before);
        await deps.audit.recordSafely(audit, { action: auditActions.tenantPolicyUpdated, outcome: 'failed', target });
        throw error;
      }
      // configureRealm records the audiences it registered, so the policy is read once more.
      const configured = await readCurrent(realm);
      // From here the new policy is in force: a re-clamp that fails half way is finished by the
      // reconciler (repair-client-drift.ts), and the change is audited either way.
      let reclamped: string[] | undefined;
      try {
        reclamped = await deps.reclampTokenLifetimes(realm, configured, audit);
      } finally {
        await deps.audit.record(audit, {
          action: auditActions.tenantPolicyUpdated,
          outcome: 'success',
          target,
          details: {
            before: toPolicyResponse(realm, before),
            after: toPolicyResponse(realm, configured),
            reclamped_service_accounts: reclamped?.length ?? null,
            ...(!reclamped && { reclamp: 'interrupted; the reconciler finishes it' }),
          },
        });
      }
      return toPolicyResponse(realm, configured);
    },
  };
}
