// Writes audit events. Details are filtered by key so that a secret or token can never be
// recorded even if a caller passes one by mistake.
import type { Prisma } from '../generated/prisma/client.ts';
import type { Logger } from 'pino';
import { newAuditEventId } from '../lib/ids.ts';
import type { AuditAction } from './audit-actions.ts';
import type { AuditActorType, AuditEventInput, AuditOutcome, AuditRepository } from './audit-repository.ts';

export interface AuditActor {
  type: AuditActorType;
  id: string;
  name: string;
}

/** Where an action came from: who, for which tenant, and the request that carried it. */
export interface AuditContext {
  /** The tenant acted on. */
  tenant: string;
  /**
   * The caller's own tenant (realm of its token). A denied event is written there, never into the
   * tenant acted on, so that nobody can fill another tenant's trail with refusals.
   */
  actorTenant?: string;
  actor: AuditActor;
  /** Set when the actor authenticated with an API key: recorded as details.api_key_id. */
  apiKeyId?: string;
  requestId: string | null;
  ip: string | null;
  userAgent: string | null;
}

export interface AuditEntry {
  action: AuditAction;
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
  private buffer: AuditEventInput[] = [];
  private flushing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly repository: AuditRepository,
    private readonly logger: Logger,
    /** How long a buffered event may wait before it is written (recordBuffered). */
    private readonly bufferDelayMs = 5,
  ) {}

  private toInput(context: AuditContext, entry: AuditEntry): AuditEventInput {
    const elsewhere = entry.outcome === 'denied' && context.actorTenant !== undefined && context.actorTenant !== context.tenant;
    const withKey = context.apiKeyId ? { ...entry.details, api_key_id: context.apiKeyId } : entry.details;
    const details = elsewhere ? { ...withKey, target_tenant: context.tenant } : (withKey ?? {});
    return {
      id: newAuditEventId(),
      tenant: elsewhere ? context.actorTenant! : context.tenant,
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
      details: sanitizeDetails(details),
      occurredAt: new Date(),
    };
  }

  /**
   * For high-rate events (token exchanges): queued and written in batches a few milliseconds
   * later, one INSERT for many events. flush() writes what is queued (shutdown, tests).
   */
  recordBuffered(context: AuditContext, entry: AuditEntry): void {
    this.buffer.push(this.toInput(context, entry));
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.bufferDelayMs);
  }

  async flush(): Promise<void> {
    await this.flushing;
    if (this.buffer.length === 0) return;
    const batch = this.buffer;
    this.buffer = [];
    this.flushing = this.repository
      .insertMany(batch)
      .catch((error: unknown) => this.logger.error({ err: error, events: batch.length }, 'buffered audit write failed'))
      .finally(() => {
        this.flushing = undefined;
      });
    await this.flushing;
  }

  async record(context: AuditContext, entry: AuditEntry, tx?: Prisma.TransactionClient): Promise<void> {
    const { occurredAt: _now, ...event } = this.toInput(context, entry);
    await this.repository.insert(event, tx);
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
