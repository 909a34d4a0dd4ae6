// Service-account routes: each parses (guard), builds the caller's context, calls one use case
// and renders. Create honours Idempotency-Key.
import { Router, type Request, type Response } from 'express';
import type { TenantScope } from '../auth/tenant-scope.ts';
import { auditContextOf } from '../http/audit-context.ts';
import { principalOf } from '../http/authenticate.ts';
import { guard } from '../http/guard.ts';
import { hashRequest, parseIdempotencyKey, type IdempotencyService } from '../idempotency/idempotency-service.ts';
import {
  createServiceAccountBody,
  listServiceAccountsQuery,
  regenerateSecretBody,
  serviceAccountIdParams,
  tenantQuery,
  updateServiceAccountBody,
} from './service-account-schemas.ts';
import { toServiceAccountResponse } from './service-account-view.ts';
import type { ServiceAccountContext } from './use-cases/context.ts';
import type { ServiceAccountUseCases } from './use-cases/service-account-use-cases.ts';

export interface ServiceAccountRouterDeps {
  useCases: ServiceAccountUseCases;
  resolveTenant: TenantScope;
  idempotency: IdempotencyService;
  issuerBaseUrl: string;
}

export function createServiceAccountRouter(deps: ServiceAccountRouterDeps): Router {
  const router = Router();
  const base = '/v1/service-accounts';
  const view = (row: Parameters<typeof toServiceAccountResponse>[0]) => toServiceAccountResponse(row, deps.issuerBaseUrl);

  async function contextFor(req: Request, res: Response, requestedTenant: string | undefined): Promise<ServiceAccountContext> {
    const principal = principalOf(res);
    const tenant = await deps.resolveTenant(principal, requestedTenant);
    return { principal, tenant, audit: auditContextOf(req, res, tenant, principal) };
  }

  router.post(
    base,
    guard({ body: createServiceAccountBody, query: tenantQuery }, async ({ body, query }, req, res) => {
      const ctx = await contextFor(req, res, query.tenant);
      const create = async () => {
        const { account, clientSecret } = await deps.useCases.create(ctx, body);
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
      const { items, nextCursor } = await deps.useCases.list(await contextFor(req, res, query.tenant), query);
      res.json({ items: items.map(view), next_cursor: nextCursor });
    }),
  );

  router.get(
    `${base}/:id`,
    guard({ params: serviceAccountIdParams, query: tenantQuery }, async ({ params, query }, req, res) => {
      res.json(view(await deps.useCases.get(await contextFor(req, res, query.tenant), params.id)));
    }),
  );

  router.patch(
    `${base}/:id`,
    guard({ params: serviceAccountIdParams, query: tenantQuery, body: updateServiceAccountBody }, async ({ params, query, body }, req, res) => {
      res.json(view(await deps.useCases.update(await contextFor(req, res, query.tenant), params.id, body)));
    }),
  );

  router.delete(
    `${base}/:id`,
    guard({ params: serviceAccountIdParams, query: tenantQuery }, async ({ params, query }, req, res) => {
      await deps.useCases.remove(await contextFor(req, res, query.tenant), params.id);
      res.status(204).end();
    }),
  );

  router.post(
    `${base}/:id/regenerate-secret`,
    guard({ params: serviceAccountIdParams, query: tenantQuery, body: regenerateSecretBody }, async ({ params, query, body }, req, res) => {
      const { account, clientSecret } = await deps.useCases.regenerateSecret(await contextFor(req, res, query.tenant), params.id, body.grace_period ?? 0);
      res.set('Cache-Control', 'no-store').json({ ...view(account), client_secret: clientSecret });
    }),
  );

  router.delete(
    `${base}/:id/previous-secret`,
    guard({ params: serviceAccountIdParams, query: tenantQuery }, async ({ params, query }, req, res) => {
      res.json(view(await deps.useCases.endGracePeriod(await contextFor(req, res, query.tenant), params.id)));
    }),
  );

  return router;
}
