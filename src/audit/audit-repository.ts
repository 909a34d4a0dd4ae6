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
    async insertMany(events: AuditEventInput[]): Promise<void> {
      await prisma.auditEvent.createMany({ data: events.map((e) => ({ ...e, details: e.details as Prisma.InputJsonValue })) });
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
