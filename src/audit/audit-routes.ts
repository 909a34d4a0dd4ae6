import { Router } from 'express';
import type { TenantScope } from '../auth/tenant-scope.ts';
import { principalOf } from '../http/authenticate.ts';
import { mount } from '../http/operation.ts';
import { auditOperations } from './audit-operations.ts';
import type { AuditRepository } from './audit-repository.ts';
import { readAuditEvents } from './read-audit-events.ts';

export function createAuditRouter(deps: { repository: AuditRepository; resolveTenant: TenantScope }): Router {
  const router = Router();
  mount(router, auditOperations.list, async ({ query }, _req, res) => {
    const principal = principalOf(res);
    res.json(await readAuditEvents(deps.repository, principal, await deps.resolveTenant(principal, query.tenant), query));
  });
  return router;
}
