import { z } from 'zod';
import { actorSchema, tenantQuery, timestamp } from '../http/common-schemas.ts';
import { auditActions } from './audit-actions.ts';

export const auditEventsQuery = z
  .object({
    ...tenantQuery.shape,
    action: z.string().min(1).max(100).optional().meta({ description: 'One audit action, e.g. service_account.created' }),
    actor: z.string().min(1).max(255).optional().meta({ description: 'Actor id' }),
    target: z.string().min(1).max(255).optional().meta({ description: 'Target id (a service account, webhook or tenant)' }),
    outcome: z.enum(['success', 'denied', 'failed']).optional(),
    since: z.iso.datetime({ offset: true }).optional(),
    until: z.iso.datetime({ offset: true }).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(50),
    cursor: z.string().min(1).max(512).optional(),
  })
  .strict();
export type AuditEventsQuery = z.output<typeof auditEventsQuery>;

export const auditEventResponse = z
  .object({
    id: z.string(),
    occurred_at: timestamp,
    tenant: z.string(),
    actor: actorSchema,
    action: z.enum(Object.values(auditActions) as [string, ...string[]]),
    target: z.object({ type: z.string(), id: z.string().nullable() }).nullable(),
    outcome: z.enum(['success', 'denied', 'failed']),
    request_id: z.string().nullable(),
    ip: z.string().nullable(),
    user_agent: z.string().nullable(),
    details: z.record(z.string(), z.unknown()).meta({ description: 'What the action changed; never a secret or token' }),
  })
  .meta({ id: 'AuditEvent' });
export type AuditEventResponse = z.output<typeof auditEventResponse>;

export const auditEventListResponse = z
  .object({ items: z.array(auditEventResponse), next_cursor: z.string().nullable() })
  .meta({ id: 'AuditEventList' });
