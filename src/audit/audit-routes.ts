import type { TenantScope } from '../auth/tenant-scope.ts';
import { principalOf } from '../http/authenticate.ts';
import { mount } from '../http/operation.ts';
import { RouteTable } from '../http/route-table.ts';
import { auditOperations } from './audit-operations.ts';
import type { AuditRepository } from './audit-repository.ts';
import { readAuditEvents } from './read-audit-events.ts';

export function createAuditRoutes(deps: { repository: AuditRepository; resolveTenant: TenantScope }): RouteTable {
  const routes = new RouteTable();
  mount(routes, auditOperations.list, async ({ query }, _req, res) => {
    const principal = principalOf(res);
    res.json(await readAuditEvents(deps.repository, principal, await deps.resolveTenant(principal, query.tenant), query));
  });
  return routes;
}
