// Tenant policy routes: mount the operation, call the policy service, render.
import { Router } from 'express';
import { auditContextOf } from '../http/audit-context.ts';
import { principalOf } from '../http/authenticate.ts';
import { mount } from '../http/operation.ts';
import type { TenantPolicyService } from './tenant-policy-service.ts';
import { tenantOperations } from './tenant-operations.ts';

export function createTenantRouter(deps: { policies: TenantPolicyService }): Router {
  const router = Router();
  mount(router, tenantOperations.getPolicy, async ({ params }, _req, res) => {
    res.json(await deps.policies.readAs(principalOf(res), params.realm));
  });
  mount(router, tenantOperations.updatePolicy, async ({ params, body }, req, res) => {
    res.json(await deps.policies.update(principalOf(res), auditContextOf(req, res, params.realm), params.realm, body));
  });
  return router;
}
