// Every query of the webhook component: endpoints, and the outbox of deliveries with its
// `FOR UPDATE SKIP LOCKED` claim (several bridges share the work without sending twice).
import type { DeliveryStatus, Prisma, PrismaClient, Webhook, WebhookDelivery } from '../generated/prisma/client.ts';

type Db = Prisma.TransactionClient | PrismaClient;

export type WebhookRow = Webhook;
export type DeliveryRow = WebhookDelivery;
export type ClaimedDelivery = Prisma.WebhookDeliveryGetPayload<{ include: { webhook: true } }>;

export interface NewDelivery {
  id: string;
  webhookId: string;
  tenant: string;
  event: string;
  payload: Prisma.InputJsonValue;
  createdAt: Date;
}

export type WebhookRepository = ReturnType<typeof createWebhookRepository>;

export function createWebhookRepository(prisma: PrismaClient) {
  const live = (tenant: string, id: string) => ({ id, tenant, deletedAt: null });
  return {
    insert(data: Prisma.WebhookUncheckedCreateInput): Promise<WebhookRow> {
      return prisma.webhook.create({ data });
    },
    list(tenant: string): Promise<WebhookRow[]> {
      return prisma.webhook.findMany({ where: { tenant, deletedAt: null }, orderBy: { createdAt: 'desc' } });
    },
    find(tenant: string, id: string): Promise<WebhookRow | null> {
      return prisma.webhook.findFirst({ where: live(tenant, id) });
    },
    async softDelete(tenant: string, id: string): Promise<boolean> {
      const { count } = await prisma.webhook.updateMany({ where: live(tenant, id), data: { deletedAt: new Date(), enabled: false } });
      return count === 1;
    },
    /** Compare-and-set on the sealed secret: of two concurrent rotations only one wins. */
    async replaceSecret(
      tenant: string,
      id: string,
      expectedSecretEnc: string,
      data: { signingSecretEnc: string; previousSigningSecretEnc: string | null; previousSigningSecretExpiresAt: Date | null },
    ): Promise<boolean> {
      const { count } = await prisma.webhook.updateMany({ where: { ...live(tenant, id), signingSecretEnc: expectedSecretEnc }, data });
      return count === 1;
    },

    deliveries(webhookId: string, limit = 50): Promise<DeliveryRow[]> {
      return prisma.webhookDelivery.findMany({ where: { webhookId }, orderBy: { createdAt: 'desc' }, take: limit });
    },
    findDelivery(tenant: string, webhookId: string, id: string): Promise<DeliveryRow | null> {
      return prisma.webhookDelivery.findFirst({ where: { id, webhookId, tenant } });
    },
    insertDelivery(delivery: NewDelivery): Promise<DeliveryRow> {
      return prisma.webhookDelivery.create({ data: { ...delivery, nextAttemptAt: delivery.createdAt } });
    },
    /** Queues a finished delivery again, due now, with a fresh retry budget. */
    async requeueDelivery(tenant: string, webhookId: string, id: string): Promise<DeliveryRow | null> {
      const { count } = await prisma.webhookDelivery.updateMany({
        where: { id, webhookId, tenant, status: { in: ['delivered', 'failed'] } },
        data: { status: 'pending', attempts: 0, nextAttemptAt: new Date(), deliveredAt: null },
      });
      return count === 1 ? prisma.webhookDelivery.findUniqueOrThrow({ where: { id } }) : null;
    },

    /** Endpoints of the tenant subscribed to an event type; `db` is the transaction of the change. */
    async subscribers(tenant: string, type: string, db: Db = prisma): Promise<string[]> {
      const hooks = await db.webhook.findMany({ where: { tenant, enabled: true, deletedAt: null, events: { has: type } }, select: { id: true } });
      return hooks.map((hook) => hook.id);
    },
    async insertDeliveries(deliveries: NewDelivery[], db: Db = prisma): Promise<void> {
      await db.webhookDelivery.createMany({ data: deliveries.map((d) => ({ ...d, nextAttemptAt: d.createdAt })) });
    },

    /**
     * Claims due deliveries: the claim pushes next_attempt_at past the send (`leaseMs`), so a
     * crashed sender's deliveries are retried, and SKIP LOCKED lets other bridges take others.
     */
    async claimDue(batch: number, leaseMs: number): Promise<ClaimedDelivery[]> {
      const claimed = await prisma.$queryRaw<Array<{ id: string }>>`
        UPDATE webhook_deliveries SET next_attempt_at = now() + ${`${leaseMs} milliseconds`}::interval
        WHERE id IN (
          SELECT id FROM webhook_deliveries
          WHERE status = 'pending' AND next_attempt_at <= now()
          ORDER BY next_attempt_at
          LIMIT ${batch}
          FOR UPDATE SKIP LOCKED
        )
        RETURNING id`;
      if (claimed.length === 0) return [];
      return prisma.webhookDelivery.findMany({ where: { id: { in: claimed.map((c) => c.id) } }, include: { webhook: true } });
    },
    async recordAttempt(
      id: string,
      outcome: { status: DeliveryStatus; attempts?: number; lastStatusCode?: number | null; lastError: string | null; deliveredAt?: Date; nextAttemptAt?: Date },
    ): Promise<void> {
      await prisma.webhookDelivery.update({ where: { id }, data: outcome });
    },
  };
}
