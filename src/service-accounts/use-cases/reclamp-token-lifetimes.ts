// After a tenant policy change: every live SA whose lifetime in force differs from what the new
// policy allows gets the new lifetime, in Keycloak and here, each audited.
import { auditActions } from '../../audit/audit-actions.ts';
import type { AuditContext } from '../../audit/audit-service.ts';
import type { TenantPolicy } from '../../tenants/tenant-repository.ts';
import { effectiveTokenTtl } from '../token-shape-policy.ts';
import { serviceAccountTarget, type ServiceAccountDeps } from './context.ts';

/** Returns the ids of the SAs changed. */
export async function reclampTokenLifetimes(
  deps: Pick<ServiceAccountDeps, 'repository' | 'keycloak' | 'audit'>,
  tenant: string,
  policy: TenantPolicy,
  auditContext: AuditContext,
): Promise<string[]> {
  const { repository, keycloak, audit } = deps;
  const changed: string[] = [];
  for (const row of await repository.listLive(tenant)) {
    const ttl = effectiveTokenTtl(row.requestedAccessTokenTtl, policy);
    if (ttl === row.accessTokenTtl || !row.keycloakClientUuid) continue;
    await keycloak.setAccessTokenLifespan(tenant, row.keycloakClientUuid, ttl);
    await repository.transaction(async (tx) => {
      await repository.update(row.id, { accessTokenTtl: ttl }, tx);
      const details = { from: row.accessTokenTtl, to: ttl };
      await audit.record(auditContext, { action: auditActions.tokenLifetimeReclamped, outcome: 'success', target: serviceAccountTarget(row.id), details }, tx);
    });
    changed.push(row.id);
  }
  return changed;
}
