import { Router } from 'express';
import type { AuditService } from '../audit/audit-service.ts';
import { hasAtLeast } from '../auth/roles.ts';
import { AppError, InsufficientRoleError, NotFoundError } from '../errors/app-error.ts';
import { principalOf } from '../http/authenticate.ts';
import { guard } from '../http/guard.ts';
import { auditContextFor } from '../service-accounts/service-account-routes.ts';
import type { TenantScopeResolver } from '../tenants/tenant-scope.ts';
import { createWebhookBody, rotateWebhookSecretBody, webhookDeliveryParams, webhookIdParams, webhookListQuery } from './webhook-schemas.ts';
import type { WebhookService } from './webhook-service.ts';

type WebhookRow = Awaited<ReturnType<WebhookService['list']>>[number];
type DeliveryRow = Awaited<ReturnType<WebhookService['deliveries']>>[number];

function toWebhookResponse(row: WebhookRow) {
  const overlapEndsAt = row.previousSigningSecretExpiresAt && row.previousSigningSecretExpiresAt.getTime() > Date.now() ? row.previousSigningSecretExpiresAt.toISOString() : null;
  return {
    id: row.id, tenant: row.tenant, url: row.url, events: row.events, enabled: row.enabled, created_at: row.createdAt.toISOString(),
    created_by: { id: row.createdById, name: row.createdByName }, previous_secret_expires_at: overlapEndsAt,
  };
}

function toDeliveryResponse(d: DeliveryRow) {
  return {
    id: d.id, event: d.event, status: d.status, attempts: d.attempts, last_status_code: d.lastStatusCode, last_error: d.lastError,
    created_at: d.createdAt.toISOString(), delivered_at: d.deliveredAt?.toISOString() ?? null, next_attempt_at: d.nextAttemptAt.toISOString(),
  };
}

export function createWebhookRouter(deps: { webhooks: WebhookService; tenantScope: TenantScopeResolver; audit: AuditService }): Router {
  const router = Router();

  async function scope(req: Parameters<typeof auditContextFor>[0], res: Parameters<typeof auditContextFor>[1], tenantParam: string | undefined, action: string) {
    const principal = principalOf(res);
    const tenant = await deps.tenantScope.resolve(principal, tenantParam);
    const context = auditContextFor(req, res, tenant);
    if (!hasAtLeast(principal.role, 'tenant-admin')) {
      if (action !== 'read') await deps.audit.recordSafely(context, { action, outcome: 'denied' });
      throw new InsufficientRoleError('Managing webhooks needs tenant-admin');
    }
    return { tenant, context, principal };
  }

  router.post(
    '/v1/webhooks',
    guard({ body: createWebhookBody, query: webhookListQuery }, async ({ body, query }, req, res) => {
      const { tenant, context, principal } = await scope(req, res, query.tenant, 'webhook.created');
      const refusal = await deps.webhooks.refuseUrl(body.url);
      if (refusal) throw new AppError('invalid_request', `The webhook URL ${refusal}`, { errors: [{ path: 'body.url', message: refusal }] });
      const { row, signingSecret } = await deps.webhooks.create({ tenant, url: body.url, events: body.events, createdById: principal.actor.id, createdByName: principal.actor.name });
      await deps.audit.record(context, { action: 'webhook.created', outcome: 'success', target: { type: 'webhook', id: row.id }, details: { url: row.url, events: row.events } });
      res.status(201).set('Location', `/v1/webhooks/${row.id}`).set('Cache-Control', 'no-store').json({ ...toWebhookResponse(row), signing_secret: signingSecret });
    }),
  );

  router.get(
    '/v1/webhooks',
    guard({ query: webhookListQuery }, async ({ query }, req, res) => {
      const { tenant } = await scope(req, res, query.tenant, 'read');
      res.json({ items: (await deps.webhooks.list(tenant)).map(toWebhookResponse) });
    }),
  );

  router.get(
    '/v1/webhooks/:id/deliveries',
    guard({ params: webhookIdParams, query: webhookListQuery }, async ({ params, query }, req, res) => {
      const { tenant } = await scope(req, res, query.tenant, 'read');
      await deps.webhooks.findOrThrow(tenant, params.id);
      res.json({ items: (await deps.webhooks.deliveries(params.id)).map(toDeliveryResponse) });
    }),
  );

  router.post(
    '/v1/webhooks/:id/rotate-secret',
    guard({ params: webhookIdParams, query: webhookListQuery, body: rotateWebhookSecretBody }, async ({ params, query, body }, req, res) => {
      const { tenant, context } = await scope(req, res, query.tenant, 'webhook.secret_rotated');
      const { row, signingSecret } = await deps.webhooks.rotateSecret(tenant, params.id, body.overlap_seconds);
      await deps.audit.record(context, {
        action: 'webhook.secret_rotated', outcome: 'success', target: { type: 'webhook', id: row.id },
        details: { overlap_seconds: body.overlap_seconds, overlap_ends_at: row.previousSigningSecretExpiresAt?.toISOString() ?? null },
      });
      res.set('Cache-Control', 'no-store').json({ ...toWebhookResponse(row), signing_secret: signingSecret });
    }),
  );

  router.post(
    '/v1/webhooks/:id/ping',
    guard({ params: webhookIdParams, query: webhookListQuery }, async ({ params, query }, req, res) => {
      const { tenant, context } = await scope(req, res, query.tenant, 'webhook.pinged');
      const delivery = await deps.webhooks.ping(tenant, params.id);
      await deps.audit.record(context, { action: 'webhook.pinged', outcome: 'success', target: { type: 'webhook', id: params.id }, details: { delivery_id: delivery.id } });
      res.status(202).json(toDeliveryResponse(delivery));
    }),
  );

  router.post(
    '/v1/webhooks/:id/deliveries/:delivery_id/redeliver',
    guard({ params: webhookDeliveryParams, query: webhookListQuery }, async ({ params, query }, req, res) => {
      const { tenant, context } = await scope(req, res, query.tenant, 'webhook.redelivered');
      const { before, after } = await deps.webhooks.redeliver(tenant, params.id, params.delivery_id);
      await deps.audit.record(context, {
        action: 'webhook.redelivered', outcome: 'success', target: { type: 'webhook', id: params.id },
        details: { delivery_id: after.id, event: after.event, previous_status: before.status, previous_attempts: before.attempts },
      });
      res.status(202).json(toDeliveryResponse(after));
    }),
  );

  router.delete(
    '/v1/webhooks/:id',
    guard({ params: webhookIdParams, query: webhookListQuery }, async ({ params, query }, req, res) => {
      const { tenant, context } = await scope(req, res, query.tenant, 'webhook.deleted');
      if (!(await deps.webhooks.remove(tenant, params.id))) throw new NotFoundError('not_found', 'No such webhook in this tenant');
      await deps.audit.record(context, { action: 'webhook.deleted', outcome: 'success', target: { type: 'webhook', id: params.id } });
      res.status(204).end();
    }),
  );
  return router;
}
