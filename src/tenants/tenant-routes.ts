// Tenant routes: mount the operations, call the tenant use cases or the policy service, render.
import type { Request, Response } from 'express';
import { auditContextOf } from '../http/audit-context.ts';
import { principalOf } from '../http/authenticate.ts';
import { mount } from '../http/operation.ts';
import { RouteTable } from '../http/route-table.ts';
import type { TenantPolicyService } from './tenant-policy-service.ts';
import { tenantOperations } from './tenant-operations.ts';
import { toCreatedAdmin, toTenantResponse } from './tenant-view.ts';
import type { TenantContext } from './use-cases/context.ts';
import type { TenantUseCases } from './use-cases/tenant-use-cases.ts';

export interface TenantRouterDeps {
  policies: TenantPolicyService;
  tenants: TenantUseCases;
  platformRealm: string;
  issuerBaseUrl: string;
}

export function createTenantRoutes(deps: TenantRouterDeps): RouteTable {
  const routes = new RouteTable();
  // Tenant provisioning is recorded in the platform realm's trail (the operators').
  const contextFor = (req: Request, res: Response): TenantContext => ({ principal: principalOf(res), audit: auditContextOf(req, res, deps.platformRealm) });

  mount(routes, tenantOperations.create, async ({ body }, req, res) => {
    const ctx = contextFor(req, res);
    const { tenant, added, admins } = body.adopt === true ? await deps.tenants.adopt(ctx, body) : await deps.tenants.create(ctx, body);
    const counts = { active: 0, disabled: 0, failed: 0, provisioning: 0, deleting: 0 };
    res
      .status(201)
      .set('Location', `/v1/tenants/${encodeURIComponent(tenant.realm)}`)
      // A generated temporary password is shown once: never let a cache keep it.
      .set('Cache-Control', 'no-store')
      .json({ ...toTenantResponse(tenant, counts, deps.issuerBaseUrl), added, admins: admins.map(toCreatedAdmin) });
  });
  mount(routes, tenantOperations.list, async ({ query }, req, res) => {
    const { items, nextCursor } = await deps.tenants.list(contextFor(req, res), query);
    res.json({ items: items.map(({ tenant, counts }) => toTenantResponse(tenant, counts, deps.issuerBaseUrl)), next_cursor: nextCursor });
  });
  mount(routes, tenantOperations.get, async ({ params }, req, res) => {
    const { tenant, counts } = await deps.tenants.get(contextFor(req, res), params.realm);
    res.json(toTenantResponse(tenant, counts, deps.issuerBaseUrl));
  });
  mount(routes, tenantOperations.update, async ({ params, body }, req, res) => {
    const { tenant, counts } = await deps.tenants.update(contextFor(req, res), params.realm, body);
    res.json(toTenantResponse(tenant, counts, deps.issuerBaseUrl));
  });
  mount(routes, tenantOperations.remove, async ({ params, query }, req, res) => {
    await deps.tenants.remove(contextFor(req, res), params.realm, query.cascade === 'true');
    res.status(204).end();
  });
  mount(routes, tenantOperations.getPolicy, async ({ params }, _req, res) => {
    res.json(await deps.policies.readAs(principalOf(res), params.realm));
  });
  mount(routes, tenantOperations.updatePolicy, async ({ params, body }, req, res) => {
    res.json(await deps.policies.update(principalOf(res), auditContextOf(req, res, params.realm), params.realm, body));
  });
  return routes;
}
