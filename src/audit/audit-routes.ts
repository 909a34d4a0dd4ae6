import { Router } from 'express';
import type { Prisma } from '../generated/prisma/client.ts';
import { InsufficientRoleError } from '../errors/app-error.ts';
import { principalOf } from '../http/authenticate.ts';
import { guard } from '../http/guard.ts';
import { decodeCursor, encodeCursor } from '../lib/cursor.ts';
import { mayReadAudit } from '../auth/permissions.ts';
import type { TenantScope } from '../auth/tenant-scope.ts';
import type { AuditRepository } from './audit-repository.ts';
import { auditEventsQuery } from './audit-schemas.ts';

type AuditRow = Awaited<ReturnType<AuditRepository['list']>>[number];

function toAuditEventResponse(row: AuditRow) {
  return {
    id: row.id,
    occurred_at: row.occurredAt.toISOString(),
    tenant: row.tenant,
    actor: { type: row.actorType, id: row.actorId, name: row.actorName },
    action: row.action,
    target: row.targetType ? { type: row.targetType, id: row.targetId } : null,
    outcome: row.outcome,
    request_id: row.requestId,
    ip: row.ip,
    user_agent: row.userAgent,
    details: row.details as Prisma.JsonObject,
  };
}

export function createAuditRouter(deps: { repository: AuditRepository; resolveTenant: TenantScope }): Router {
  const router = Router();
  router.get(
    '/v1/audit-events',
    guard({ query: auditEventsQuery }, async ({ query }, _req, res) => {
      const principal = principalOf(res);
      const tenant = await deps.resolveTenant(principal, query.tenant);
      if (!mayReadAudit(principal)) throw new InsufficientRoleError('Reading the audit trail needs tenant-admin');
      const rows = await deps.repository.list({
        tenant,
        action: query.action,
        actorId: query.actor,
        targetId: query.target,
        outcome: query.outcome,
        since: query.since ? new Date(query.since) : undefined,
        until: query.until ? new Date(query.until) : undefined,
        limit: query.limit,
        after: query.cursor ? decodeCursor(query.cursor) : undefined,
      });
      const page = rows.slice(0, query.limit);
      const last = page.at(-1);
      res.json({
        items: page.map(toAuditEventResponse),
        next_cursor: rows.length > query.limit && last ? encodeCursor({ time: last.occurredAt, id: last.id }) : null,
      });
    }),
  );
  return router;
}
