// Writes audit events. Details are filtered by key so that a secret or token can never be
// recorded even if a caller passes one by mistake.
import type { Prisma } from '../generated/prisma/client.ts';
import type { Logger } from 'pino';
import { newAuditEventId } from '../lib/ids.ts';
import type { AuditActorType, AuditOutcome, AuditRepository } from './audit-repository.ts';

export interface AuditActor {
  type: AuditActorType;
  id: string;
  name: string;
}

/** Where an action came from: who, for which tenant, and the request that carried it. */
export interface AuditContext {
  tenant: string;
  actor: AuditActor;
  requestId: string | null;
  ip: string | null;
  userAgent: string | null;
}

export interface AuditEntry {
  action: string;
  outcome: AuditOutcome;
  target?: { type: string; id: string };
  details?: Record<string, unknown>;
}

const forbiddenDetailKey = /secret|token|password|credential|authorization/i;

export function sanitizeDetails(details: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(details)) {
    if (forbiddenDetailKey.test(key) || value === undefined) continue;
    out[key] = value !== null && typeof value === 'object' && !Array.isArray(value) ? sanitizeDetails(value as Record<string, unknown>) : value;
  }
  return out;
}

export function systemAuditContext(tenant: string, component: string): AuditContext {
  return { tenant, actor: { type: 'system', id: component, name: component }, requestId: null, ip: null, userAgent: null };
}

export class AuditService {
  constructor(
    private readonly repository: AuditRepository,
    private readonly logger: Logger,
  ) {}

  async record(context: AuditContext, entry: AuditEntry, tx?: Prisma.TransactionClient): Promise<void> {
    await this.repository.insert(
      {
        id: newAuditEventId(),
        tenant: context.tenant,
        actorType: context.actor.type,
        actorId: context.actor.id,
        actorName: context.actor.name,
        action: entry.action,
        targetType: entry.target?.type ?? null,
        targetId: entry.target?.id ?? null,
        outcome: entry.outcome,
        requestId: context.requestId,
        ip: context.ip,
        userAgent: context.userAgent ? context.userAgent.slice(0, 512) : null,
        details: sanitizeDetails(entry.details ?? {}),
      },
      tx,
    );
  }

  /** For failure paths: an audit write must not mask the error being reported. */
  async recordSafely(context: AuditContext, entry: AuditEntry): Promise<void> {
    try {
      await this.record(context, entry);
    } catch (error) {
      this.logger.error({ err: error, action: entry.action, outcome: entry.outcome }, 'audit write failed');
    }
  }
}
