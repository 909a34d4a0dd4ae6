// Service-account routes: each mounts its operation (service-account-operations.ts: the guard
// validates the request against it), builds the caller's context, calls one use case and renders.
// Create honours Idempotency-Key.
import type { Request, Response } from 'express';
import type { AuditContext } from '../audit/audit-service.ts';
import type { Principal } from '../auth/principal.ts';
import type { TenantScope } from '../auth/tenant-scope.ts';
import { auditContextOf } from '../http/audit-context.ts';
import { principalOf } from '../http/authenticate.ts';
import { mount } from '../http/operation.ts';
import { RouteTable } from '../http/route-table.ts';
import { sendJsonText } from '../http/send-json-text.ts';
import { hashRequest, type IdempotencyService } from '../idempotency/idempotency-service.ts';
import { serviceAccountOperations as op } from './service-account-operations.ts';
import { renderServiceAccountJson, toServiceAccountResponse } from './service-account-view.ts';
import type { ServiceAccountContext } from './use-cases/context.ts';
import type { ServiceAccountUseCases } from './use-cases/service-account-use-cases.ts';

export interface ServiceAccountRouterDeps {
  useCases: ServiceAccountUseCases;
  resolveTenant: TenantScope;
  idempotency: IdempotencyService;
  issuerBaseUrl: string;
}

export function createServiceAccountRoutes(deps: ServiceAccountRouterDeps): RouteTable {
  const routes = new RouteTable();
  const view = (row: Parameters<typeof toServiceAccountResponse>[0]) => toServiceAccountResponse(row, deps.issuerBaseUrl);

  async function contextFor(req: Request, res: Response, requestedTenant: string | undefined): Promise<ServiceAccountContext> {
    const principal = principalOf(res);
    const tenant = await deps.resolveTenant(principal, requestedTenant);
    return new RequestContext(req, res, principal, tenant);
  }

  mount(routes, op.create, async ({ body, query, headers }, req, res) => {
    const ctx = await contextFor(req, res, query.tenant);
    const create = async () => {
      const { account, clientSecret } = await deps.useCases.create(ctx, body);
      return {
        status: 201,
        body: { ...view(account), client_secret: clientSecret },
        headers: { Location: `/v1/service-accounts/${account.id}${query.tenant ? `?tenant=${encodeURIComponent(query.tenant)}` : ''}` },
      };
    };
    const key = headers['Idempotency-Key'];
    const result = key
      ? await deps.idempotency.run(
          { tenant: ctx.tenant, actorId: `${ctx.principal.actor.type}:${ctx.principal.actor.id}`, key },
          hashRequest({ method: 'POST', path: `/v1/service-accounts?tenant=${ctx.tenant}`, body }),
          create,
        )
      : { ...(await create()), replayed: false };
    if (result.replayed) res.setHeader('Idempotent-Replayed', 'true');
    // The body carries a secret shown once: never let a cache keep it.
    res.status(result.status).set(result.headers ?? {}).set('Cache-Control', 'no-store').json(result.body);
  });

  mount(routes, op.list, async ({ query }, req, res) => {
    const { items, nextCursor } = await deps.useCases.list(await contextFor(req, res, query.tenant), query);
    res.json({ items: items.map(view), next_cursor: nextCursor });
  });

  mount(routes, op.get, async ({ params, query }, req, res) => {
    sendJsonText(res, renderServiceAccountJson(await deps.useCases.get(await contextFor(req, res, query.tenant), params.id), deps.issuerBaseUrl));
  });

  mount(routes, op.update, async ({ params, query, body }, req, res) => {
    res.json(view(await deps.useCases.update(await contextFor(req, res, query.tenant), params.id, body)));
  });

  mount(routes, op.remove, async ({ params, query }, req, res) => {
    await deps.useCases.remove(await contextFor(req, res, query.tenant), params.id);
    res.status(204).end();
  });

  mount(routes, op.regenerateSecret, async ({ params, query, body }, req, res) => {
    const { account, clientSecret } = await deps.useCases.regenerateSecret(await contextFor(req, res, query.tenant), params.id, body?.grace_period ?? 0);
    res.set('Cache-Control', 'no-store').json({ ...view(account), client_secret: clientSecret });
  });

  mount(routes, op.endGracePeriod, async ({ params, query }, req, res) => {
    res.json(view(await deps.useCases.endGracePeriod(await contextFor(req, res, query.tenant), params.id)));
  });

  return routes;
}

/** A request's context; its audit context is built when a use case first records something (reads never do, and req.ip walks the proxy chain). */
class RequestContext implements ServiceAccountContext {
  private auditContext: AuditContext | undefined;

  constructor(
    private readonly req: Request,
    private readonly res: Response,
    readonly principal: Principal,
    readonly tenant: string,
  ) {}

  get audit(): AuditContext {
    return (this.auditContext ??= auditContextOf(this.req, this.res, this.tenant, this.principal));
  }
}
