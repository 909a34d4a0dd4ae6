import { Router, type Request, type Response } from 'express';
import type { AuditContext } from '../audit/audit-service.ts';
import { principalOf } from '../http/authenticate.ts';
import { guard } from '../http/guard.ts';
import { hashRequest, parseIdempotencyKey, type IdempotencyService } from '../idempotency/idempotency-service.ts';
import type { TenantScopeResolver } from '../tenants/tenant-scope.ts';
import {
  createServiceAccountBody,
  listServiceAccountsQuery,
  regenerateSecretBody,
  serviceAccountIdParams,
  tenantQuery,
  updateServiceAccountBody,
} from './service-account-schemas.ts';
import type { ServiceAccountContext, ServiceAccountService } from './service-account-service.ts';
import { toServiceAccountResponse } from './service-account-view.ts';

export interface ServiceAccountRouterDeps {
  service: ServiceAccountService;
  tenantScope: TenantScopeResolver;
  idempotency: IdempotencyService;
  issuerBaseUrl: string;
}

export function auditContextFor(req: Request, res: Response, tenant: string): AuditContext {
  const principal = principalOf(res);
  return {
    tenant,
    actorTenant: principal.realm,
    actor: { type: principal.actor.type, id: principal.actor.id, name: principal.actor.name },
    requestId: (res.locals.requestId as string | undefined) ?? null,
    ip: req.ip ?? null,
    userAgent: req.get('user-agent') ?? null,
  };
}

export function createServiceAccountRouter(deps: ServiceAccountRouterDeps): Router {
  const router = Router();
  const base = '/v1/service-accounts';
  const view = (row: Parameters<typeof toServiceAccountResponse>[0]) => toServiceAccountResponse(row, deps.issuerBaseUrl);

  async function contextFor(req: Request, res: Response, requestedTenant: string | undefined): Promise<ServiceAccountContext> {
    const principal = principalOf(res);
    const tenant = await deps.tenantScope.resolve(principal, requestedTenant);
    return { principal, tenant, audit: auditContextFor(req, res, tenant) };
  }

  router.post(
    base,
    guard({ body: createServiceAccountBody, query: tenantQuery }, async ({ body, query }, req, res) => {
      const ctx = await contextFor(req, res, query.tenant);
      const create = async () => {
        const { account, clientSecret } = await deps.service.create(ctx, body);
        return {
          status: 201,
          body: { ...view(account), client_secret: clientSecret },
          headers: { Location: `${base}/${account.id}${query.tenant ? `?tenant=${encodeURIComponent(query.tenant)}` : ''}` },
        };
      };
      const key = parseIdempotencyKey(req.get('idempotency-key'));
      const result = key
        ? await deps.idempotency.run(
            { tenant: ctx.tenant, actorId: `${ctx.principal.actor.type}:${ctx.principal.actor.id}`, key },
            hashRequest({ method: 'POST', path: `${base}?tenant=${ctx.tenant}`, body }),
            create,
          )
        : { ...(await create()), replayed: false };
      if (result.replayed) res.setHeader('Idempotent-Replayed', 'true');
      // The body carries a secret shown once: never let a cache keep it.
      res.status(result.status).set(result.headers ?? {}).set('Cache-Control', 'no-store').json(result.body);
    }),
  );

  router.get(
    base,
    guard({ query: listServiceAccountsQuery }, async ({ query }, req, res) => {
      const ctx = await contextFor(req, res, query.tenant);
      const { items, nextCursor } = await deps.service.list(ctx, query);
      res.json({ items: items.map(view), next_cursor: nextCursor });
    }),
  );

  router.get(
    `${base}/:id`,
    guard({ params: serviceAccountIdParams, query: tenantQuery }, async ({ params, query }, req, res) => {
      const ctx = await contextFor(req, res, query.tenant);
      res.json(view(await deps.service.get(ctx, params.id)));
    }),
  );

  router.patch(
    `${base}/:id`,
    guard({ params: serviceAccountIdParams, query: tenantQuery, body: updateServiceAccountBody }, async ({ params, query, body }, req, res) => {
      const ctx = await contextFor(req, res, query.tenant);
      res.json(view(await deps.service.update(ctx, params.id, body)));
    }),
  );

  router.delete(
    `${base}/:id`,
    guard({ params: serviceAccountIdParams, query: tenantQuery }, async ({ params, query }, req, res) => {
      const ctx = await contextFor(req, res, query.tenant);
      await deps.service.remove(ctx, params.id);
      res.status(204).end();
    }),
  );

  router.post(
    `${base}/:id/regenerate-secret`,
    guard({ params: serviceAccountIdParams, query: tenantQuery, body: regenerateSecretBody }, async ({ params, query, body }, req, res) => {
      const ctx = await contextFor(req, res, query.tenant);
      const { account, clientSecret } = await deps.service.regenerateSecret(ctx, params.id, body.grace_period ?? 0);
      res.set('Cache-Control', 'no-store').json({ ...view(account), client_secret: clientSecret });
    }),
  );

  router.delete(
    `${base}/:id/previous-secret`,
    guard({ params: serviceAccountIdParams, query: tenantQuery }, async ({ params, query }, req, res) => {
      const ctx = await contextFor(req, res, query.tenant);
      res.json(view(await deps.service.revokePreviousSecret(ctx, params.id)));
    }),
  );

  return router;
}
