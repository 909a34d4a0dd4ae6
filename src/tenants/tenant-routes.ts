import { Router } from 'express';
import { hasAtLeast } from '../auth/roles.ts';
import type { AuditService } from '../audit/audit-service.ts';
import { AppError, InsufficientRoleError, NotFoundError } from '../errors/app-error.ts';
import { principalOf } from '../http/authenticate.ts';
import { guard } from '../http/guard.ts';
import { auditContextFor } from '../service-accounts/service-account-routes.ts';
import type { ServiceAccountService } from '../service-accounts/service-account-service.ts';
import type { TenantDirectory } from './tenant-directory.ts';
import type { TenantPolicy, TenantRepository } from './tenant-repository.ts';
import { tenantParams, updateTenantPolicyBody } from './tenant-schemas.ts';

function toPolicyResponse(realm: string, policy: TenantPolicy) {
  return {
    tenant: realm,
    max_secret_age_seconds: policy.maxSecretAgeSeconds,
    max_grace_period_seconds: policy.maxGracePeriodSeconds,
    max_access_token_ttl: policy.maxAccessTokenTtl,
    default_access_token_ttl: policy.defaultAccessTokenTtl,
    allowed_scopes: policy.allowedScopes,
    allowed_audiences: policy.allowedAudiences,
    registered_audiences: policy.registeredAudiences,
  };
}

/** Tenant policy: tenant-admins (and above) of the tenant read it; only cpi-admin changes it. */
export function createTenantRouter(deps: {
  repository: TenantRepository;
  directory: TenantDirectory;
  audit: AuditService;
  serviceAccounts: ServiceAccountService;
  minSecretAgeSeconds: number;
}): Router {
  const router = Router();

  router.get(
    '/v1/tenants/:realm/policy',
    guard({ params: tenantParams }, async ({ params }, _req, res) => {
      const principal = principalOf(res);
      const allowed = principal.role === 'cpi-admin' || (principal.realm === params.realm && hasAtLeast(principal.role, 'tenant-admin'));
      if (!allowed) throw new InsufficientRoleError('Reading a tenant policy needs tenant-admin of that tenant, or cpi-admin');
      const policy = await deps.repository.findPolicy(params.realm);
      if (!policy) throw new NotFoundError('tenant_not_found', `No tenant named ${params.realm}`);
      res.json(toPolicyResponse(params.realm, policy));
    }),
  );

  router.patch(
    '/v1/tenants/:realm/policy',
    guard({ params: tenantParams, body: updateTenantPolicyBody }, async ({ params, body }, req, res) => {
      const principal = principalOf(res);
      const context = auditContextFor(req, res, params.realm);
      if (principal.role !== 'cpi-admin') {
        await deps.audit.recordSafely(context, { action: 'tenant.policy_updated', outcome: 'denied', target: { type: 'tenant', id: params.realm } });
        throw new InsufficientRoleError('Only cpi-admin may change a tenant policy');
      }
      const before = await deps.repository.findPolicy(params.realm);
      if (!before) throw new NotFoundError('tenant_not_found', `No tenant named ${params.realm}`);
      const next: TenantPolicy = {
        maxSecretAgeSeconds: body.max_secret_age_seconds ?? before.maxSecretAgeSeconds,
        maxGracePeriodSeconds: body.max_grace_period_seconds ?? before.maxGracePeriodSeconds,
        maxAccessTokenTtl: body.max_access_token_ttl ?? before.maxAccessTokenTtl,
        defaultAccessTokenTtl: body.default_access_token_ttl ?? before.defaultAccessTokenTtl,
        allowedScopes: body.allowed_scopes ?? before.allowedScopes,
        allowedAudiences: body.allowed_audiences ?? before.allowedAudiences,
        registeredAudiences: before.registeredAudiences,
      };
      if (next.defaultAccessTokenTtl > next.maxAccessTokenTtl) {
        throw new AppError('invalid_request', 'default_access_token_ttl cannot exceed max_access_token_ttl', {
          errors: [{ path: 'body.default_access_token_ttl', message: 'exceeds max_access_token_ttl' }],
        });
      }
      if (next.maxSecretAgeSeconds < deps.minSecretAgeSeconds) {
        throw new AppError('invalid_request', `max_secret_age_seconds must be at least ${deps.minSecretAgeSeconds}`, {
          errors: [{ path: 'body.max_secret_age_seconds', message: `below the platform minimum of ${deps.minSecretAgeSeconds}` }],
        });
      }
      if (next.maxGracePeriodSeconds > next.maxSecretAgeSeconds) {
        throw new AppError('invalid_request', 'max_grace_period_seconds cannot exceed the maximum secret age', {
          errors: [{ path: 'body.max_grace_period_seconds', message: 'exceeds max_secret_age_seconds' }],
        });
      }
      const updated = await deps.repository.updatePolicy(params.realm, next);
      deps.directory.forgetPolicy(params.realm);
      try {
        await deps.directory.configureRealm(params.realm);
      } catch (error) {
        await deps.repository.updatePolicy(params.realm, before);
        await deps.audit.recordSafely(context, { action: 'tenant.policy_updated', outcome: 'failed', target: { type: 'tenant', id: params.realm } });
        throw error;
      }
      const configured = (await deps.repository.findPolicy(params.realm)) ?? updated;
      const reclamped = await deps.serviceAccounts.reclampTokenLifetimes(params.realm, configured, context);
      await deps.audit.record(context, {
        action: 'tenant.policy_updated',
        outcome: 'success',
        target: { type: 'tenant', id: params.realm },
        details: { before: toPolicyResponse(params.realm, before), after: toPolicyResponse(params.realm, configured), reclamped_service_accounts: reclamped.length },
      });
      res.json(toPolicyResponse(params.realm, configured));
    }),
  );
  return router;
}
