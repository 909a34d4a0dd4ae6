// Tenant policy routes: parse, call the policy service, render.
import { Router } from 'express';
import { auditContextOf } from '../http/audit-context.ts';
import { principalOf } from '../http/authenticate.ts';
import { guard } from '../http/guard.ts';
import type { TenantPolicyService } from './tenant-policy-service.ts';
import { tenantParams, updateTenantPolicyBody } from './tenant-schemas.ts';

export function createTenantRouter(deps: { policies: TenantPolicyService }): Router {
  const router = Router();

  router.get(
    '/v1/tenants/:realm/policy',
    guard({ params: tenantParams }, async ({ params }, _req, res) => {
      res.json(await deps.policies.readAs(principalOf(res), params.realm));
    }),
  );

  router.patch(
    '/v1/tenants/:realm/policy',
    guard({ params: tenantParams, body: updateTenantPolicyBody }, async ({ params, body }, req, res) => {
      res.json(await deps.policies.update(principalOf(res), auditContextOf(req, res, params.realm), params.realm, body));
    }),
  );
  return router;
}
