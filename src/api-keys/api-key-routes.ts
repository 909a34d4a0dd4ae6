// API key routes: each mounts its operation (api-key-operations.ts: the guard validates the request
// against it), builds the caller's context, calls one use case and renders. The leaked-key report
// has no caller to authenticate, so it has a route table of its own that app.ts mounts before /v1's
// authentication.
import type { Request, Response } from 'express';
import type { TenantScope } from '../auth/tenant-scope.ts';
import type { Store } from 'express-rate-limit';
import { limitRequestsPerAddress } from '../http/rate-limits.ts';
import { auditContextOf } from '../http/audit-context.ts';
import { principalOf } from '../http/authenticate.ts';
import { mount } from '../http/operation.ts';
import { RouteTable } from '../http/route-table.ts';
import { apiKeyOperations as op } from './api-key-operations.ts';
import { toApiKeyResponse } from './api-key-view.ts';
import type { ApiKeyUseCases } from './use-cases/api-key-use-cases.ts';
import type { ApiKeyContext } from './use-cases/context.ts';

export interface ApiKeyRouterDeps {
  useCases: ApiKeyUseCases;
  resolveTenant: TenantScope;
}

export function createApiKeyRoutes(deps: ApiKeyRouterDeps): RouteTable {
  const routes = new RouteTable();

  async function contextFor(req: Request, res: Response, requestedTenant: string | undefined): Promise<ApiKeyContext> {
    const principal = principalOf(res);
    const tenant = await deps.resolveTenant(principal, requestedTenant);
    return { principal, tenant, audit: auditContextOf(req, res, tenant, principal) };
  }

  mount(routes, op.create, async ({ params, query, body }, req, res) => {
    const { row, key, maxLifetimeDays } = await deps.useCases.create(await contextFor(req, res, query.tenant), params.id, body);
    // The body carries a key shown once: never let a cache keep it.
    res.status(201).set('Cache-Control', 'no-store').json({ ...toApiKeyResponse(row, maxLifetimeDays), key });
  });

  mount(routes, op.list, async ({ params, query }, req, res) => {
    const { rows, maxLifetimeDays } = await deps.useCases.list(await contextFor(req, res, query.tenant), params.id);
    const now = new Date();
    res.json({ items: rows.map((row) => toApiKeyResponse(row, maxLifetimeDays, now)) });
  });

  mount(routes, op.revoke, async ({ params, query }, req, res) => {
    await deps.useCases.revoke(await contextFor(req, res, query.tenant), params.id, params.key_id);
    res.status(204).end();
  });

  return routes;
}

export function createLeakedApiKeyRoutes(deps: { useCases: ApiKeyUseCases; reportsPerMinute: number; store?: Store }): RouteTable {
  const routes = new RouteTable();
  mount(
    routes,
    op.reportLeaked,
    async ({ body }, req, res) => {
      await deps.useCases.revokeLeaked({ ip: req.ip ?? null, userAgent: req.get('user-agent') ?? null, requestId: (res.locals.requestId as string | undefined) ?? null }, body.key);
      res.status(202).set('Cache-Control', 'no-store').json({ status: 'accepted' });
    },
    limitRequestsPerAddress(deps.reportsPerMinute, deps.store),
  );
  return routes;
}
