import type { Prisma, PrismaClient } from '../generated/prisma/client.ts';
import type { Cursor } from '../lib/cursor.ts';

export type AuditOutcome = 'success' | 'denied' | 'failed';
export type AuditActorType = 'user' | 'service_account' | 'system';

export interface AuditEventInput {
  id: string;
  tenant: string;
  actorType: AuditActorType;
  actorId: string;
  actorName: string;
  action: string;
  targetType: string | null;
  targetId: string | null;
  outcome: AuditOutcome;
  requestId: string | null;
  ip: string | null;
  userAgent: string | null;
  details: Record<string, unknown>;
  occurredAt?: Date;
}

export interface AuditQuery {
  tenant: string;
  action?: string;
  actorId?: string;
  targetId?: string;
  outcome?: AuditOutcome;
  since?: Date;
  until?: Date;
  limit: number;
  after?: Cursor;
}

type Db = PrismaClient | Prisma.TransactionClient;

export function createAuditRepository(prisma: PrismaClient) {
  return {
    async insert(event: AuditEventInput, db: Db = prisma): Promise<void> {
      await db.auditEvent.create({ data: { ...event, details: event.details as Prisma.InputJsonValue } });
    },
    /**
     * One INSERT for a batch (buffered token-exchange events), in plain SQL: Prisma's createMany
     * compiled a new query for every batch size, which was a fifth of the bridge's CPU under
     * exchange load (its client and query compiler in the profile); unnest takes one array per column.
     */
    async insertMany(events: AuditEventInput[]): Promise<void> {
      if (events.length === 0) return;
      const now = new Date();
      const column = <T>(value: (event: AuditEventInput) => T) => events.map(value);
      await prisma.$executeRaw`
        INSERT INTO audit_events (id, occurred_at, tenant, actor_type, actor_id, actor_name, action, target_type, target_id, outcome, request_id, ip, user_agent, details)
        SELECT * FROM unnest(
          ${column((e) => e.id)}::text[],
          ${column((e) => (e.occurredAt ?? now).toISOString())}::timestamptz[],
          ${column((e) => e.tenant)}::text[],
          ${column((e) => e.actorType)}::actor_type[],
          ${column((e) => e.actorId)}::text[],
          ${column((e) => e.actorName)}::text[],
          ${column((e) => e.action)}::text[],
          ${column((e) => e.targetType)}::text[],
          ${column((e) => e.targetId)}::text[],
          ${column((e) => e.outcome)}::audit_outcome[],
          ${column((e) => e.requestId)}::text[],
          ${column((e) => e.ip)}::text[],
          ${column((e) => e.userAgent)}::text[],
          ${column((e) => JSON.stringify(e.details))}::jsonb[]
        )`;
    },
    async list(query: AuditQuery) {
      const where: Prisma.AuditEventWhereInput = { tenant: query.tenant };
      if (query.action) where.action = query.action;
      if (query.actorId) where.actorId = query.actorId;
      if (query.targetId) where.targetId = query.targetId;
      if (query.outcome) where.outcome = query.outcome;
      if (query.since || query.until) where.occurredAt = { ...(query.since && { gte: query.since }), ...(query.until && { lt: query.until }) };
      if (query.after) {
        where.OR = [
          { occurredAt: { lt: query.after.time } },
          { occurredAt: query.after.time, id: { lt: query.after.id } },
        ];
      }
      return prisma.auditEvent.findMany({
        where,
        orderBy: [{ occurredAt: 'desc' }, { id: 'desc' }],
        take: query.limit + 1,
      });
    },
  };
}

export type AuditRepository = ReturnType<typeof createAuditRepository>;
