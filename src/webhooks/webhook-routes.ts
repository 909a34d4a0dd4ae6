// Webhook routes (tenant-admin): parse, check the role (denials audited), call the service,
// audit, render.
import type { Request, Response } from 'express';
import { auditActions, type AuditAction } from '../audit/audit-actions.ts';
import type { AuditService } from '../audit/audit-service.ts';
import { hasAtLeast } from '../auth/roles.ts';
import type { TenantScope } from '../auth/tenant-scope.ts';
import { AppError, InsufficientRoleError, NotFoundError } from '../errors/app-error.ts';
import { auditContextOf } from '../http/audit-context.ts';
import { principalOf } from '../http/authenticate.ts';
import { mount } from '../http/operation.ts';
import { RouteTable } from '../http/route-table.ts';
import { webhookOperations as op } from './webhook-operations.ts';
import { toDeliveryResponse, toWebhookResponse } from './webhook-view.ts';
import type { WebhookService } from './webhook-service.ts';

export function createWebhookRoutes(deps: { webhooks: WebhookService; resolveTenant: TenantScope; audit: AuditService }): RouteTable {
  const routes = new RouteTable();

  async function scope(req: Request, res: Response, tenantParam: string | undefined, action: AuditAction | 'read') {
    const principal = principalOf(res);
    const tenant = await deps.resolveTenant(principal, tenantParam);
    const context = auditContextOf(req, res, tenant, principal);
    if (!hasAtLeast(principal.role, 'tenant-admin')) {
      if (action !== 'read') await deps.audit.recordSafely(context, { action, outcome: 'denied' });
      throw new InsufficientRoleError('Managing webhooks needs tenant-admin');
    }
    return { tenant, context, principal };
  }

  mount(routes, op.create, async ({ body, query }, req, res) => {
    const { tenant, context, principal } = await scope(req, res, query.tenant, auditActions.webhookCreated);
    const refusal = await deps.webhooks.refuseUrl(body.url);
    if (refusal) throw new AppError('invalid_request', `The webhook URL ${refusal}`, { errors: [{ path: 'body.url', message: refusal }] });
    const { row, signingSecret } = await deps.webhooks.create({ tenant, url: body.url, events: body.events, createdById: principal.actor.id, createdByName: principal.actor.name });
    await deps.audit.record(context, { action: auditActions.webhookCreated, outcome: 'success', target: { type: 'webhook', id: row.id }, details: { url: row.url, events: row.events } });
    res.status(201).set('Location', `/v1/webhooks/${row.id}`).set('Cache-Control', 'no-store').json({ ...toWebhookResponse(row), signing_secret: signingSecret });
  });

  mount(routes, op.list, async ({ query }, req, res) => {
    const { tenant } = await scope(req, res, query.tenant, 'read');
    res.json({ items: (await deps.webhooks.list(tenant)).map(toWebhookResponse) });
  });

  mount(routes, op.deliveries, async ({ params, query }, req, res) => {
    const { tenant } = await scope(req, res, query.tenant, 'read');
    await deps.webhooks.findOrThrow(tenant, params.id);
    res.json({ items: (await deps.webhooks.deliveries(params.id)).map(toDeliveryResponse) });
  });

  mount(routes, op.rotateSecret, async ({ params, query, body }, req, res) => {
    const { tenant, context } = await scope(req, res, query.tenant, auditActions.webhookSecretRotated);
    const { row, signingSecret } = await deps.webhooks.rotateSecret(tenant, params.id, body.overlap_seconds);
    await deps.audit.record(context, {
      action: auditActions.webhookSecretRotated, outcome: 'success', target: { type: 'webhook', id: row.id },
      details: { overlap_seconds: body.overlap_seconds, overlap_ends_at: row.previousSigningSecretExpiresAt?.toISOString() ?? null },
    });
    res.set('Cache-Control', 'no-store').json({ ...toWebhookResponse(row), signing_secret: signingSecret });
  });

  mount(routes, op.ping, async ({ params, query }, req, res) => {
    const { tenant, context } = await scope(req, res, query.tenant, auditActions.webhookPinged);
    const delivery = await deps.webhooks.ping(tenant, params.id);
    await deps.audit.record(context, { action: auditActions.webhookPinged, outcome: 'success', target: { type: 'webhook', id: params.id }, details: { delivery_id: delivery.id } });
    res.status(202).json(toDeliveryResponse(delivery));
  });

  mount(routes, op.redeliver, async ({ params, query }, req, res) => {
    const { tenant, context } = await scope(req, res, query.tenant, auditActions.webhookRedelivered);
    const { before, after } = await deps.webhooks.redeliver(tenant, params.id, params.delivery_id);
    await deps.audit.record(context, {
      action: auditActions.webhookRedelivered, outcome: 'success', target: { type: 'webhook', id: params.id },
      details: { delivery_id: after.id, event: after.event, previous_status: before.status, previous_attempts: before.attempts },
    });
    res.status(202).json(toDeliveryResponse(after));
  });

  mount(routes, op.remove, async ({ params, query }, req, res) => {
    const { tenant, context } = await scope(req, res, query.tenant, auditActions.webhookDeleted);
    if (!(await deps.webhooks.remove(tenant, params.id))) throw new NotFoundError('not_found', 'No such webhook in this tenant');
    await deps.audit.record(context, { action: auditActions.webhookDeleted, outcome: 'success', target: { type: 'webhook', id: params.id } });
    res.status(204).end();
  });
  return routes;
}
