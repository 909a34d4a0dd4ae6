// The outbox other components write events into, inside the transaction of the change that
// caused them, so an event is queued exactly when its change commits. The dispatcher sends them.
import type { Prisma, PrismaClient } from '../generated/prisma/client.ts';
import { newAuditEventId } from '../lib/ids.ts';
import type { WebhookRepository } from './webhook-repository.ts';
import type { WebhookEventType } from './webhook-schemas.ts';

export interface WebhookOutbox {
  /** Queues the event for every endpoint of the tenant subscribed to it; returns how many. */
  enqueue(tenant: string, type: WebhookEventType, data: Record<string, unknown>, tx?: Prisma.TransactionClient | PrismaClient): Promise<number>;
}

export function newDeliveryId(): string {
  return newAuditEventId().replace(/^evt_/, 'whd_');
}

/** The body every delivery carries: its id (also `webhook-id`), type, tenant, time and data. */
export function deliveryEnvelope(id: string, type: string, tenant: string, createdAt: Date, data: Record<string, unknown>) {
  return { id, type, tenant, created_at: createdAt.toISOString(), data };
}

export function createWebhookOutbox(repository: Pick<WebhookRepository, 'subscribers' | 'insertDeliveries'>): WebhookOutbox {
  return {
    async enqueue(tenant, type, data, tx) {
      const hooks = await repository.subscribers(tenant, type, tx);
      if (hooks.length === 0) return 0;
      const createdAt = new Date();
      await repository.insertDeliveries(
        hooks.map((webhookId) => {
          const id = newDeliveryId();
          return { id, webhookId, tenant, event: type, payload: deliveryEnvelope(id, type, tenant, createdAt, data) as Prisma.InputJsonValue, createdAt };
        }),
        tx,
      );
      return hooks.length;
    },
  };
}
