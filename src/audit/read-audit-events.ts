// The tenant's audit trail, newest first, filtered and cursor-paged; tenant-admin and cpi-admin.
import { mayReadAudit } from '../auth/permissions.ts';
import type { Principal } from '../auth/principal.ts';
import { InsufficientRoleError } from '../errors/app-error.ts';
import { decodeCursor, encodeCursor } from '../lib/cursor.ts';
import type { AuditRepository } from './audit-repository.ts';
import type { AuditEventResponse, AuditEventsQuery } from './audit-schemas.ts';

type AuditRow = Awaited<ReturnType<AuditRepository['list']>>[number];

export function toAuditEventResponse(row: AuditRow): AuditEventResponse {
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
    details: row.details as Record<string, unknown>,
  };
}

export async function readAuditEvents(repository: AuditRepository, principal: Principal, tenant: string, query: AuditEventsQuery) {
  if (!mayReadAudit(principal)) throw new InsufficientRoleError('Reading the audit trail needs tenant-admin');
  const rows = await repository.list({
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
  return {
    items: page.map(toAuditEventResponse),
    next_cursor: rows.length > query.limit && last ? encodeCursor({ time: last.occurredAt, id: last.id }) : null,
  };
}
