// Webhooks: endpoints a tenant-admin registers, an outbox of deliveries written next to the
// change that caused them, and a dispatcher that claims due deliveries with
// `FOR UPDATE SKIP LOCKED` (so several bridges share the work without sending twice), signs
// them, and retries failures with exponential backoff. Payloads never contain a secret.
// Deliveries go only to public addresses unless insecure URLs are allowed (webhook-destination.ts).
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { AppError, NotFoundError } from '../errors/app-error.ts';
import type { Prisma, PrismaClient } from '../generated/prisma/client.ts';
import { newAuditEventId } from '../lib/ids.ts';
import type { SecretBox } from '../lib/secret-box.ts';
import { destinationNotAllowed, DestinationNotAllowedError, findDestinationProblem, resolveHost, type HostResolver } from './webhook-destination.ts';
import { webhookPingEvent, type WebhookEventType } from './webhook-schemas.ts';
import { generateSigningSecret, signatureHeader } from './webhook-signature.ts';
import { DeliveryTimeoutError, postDelivery } from './webhook-transport.ts';

export interface WebhookOptions {
  maxAttempts: number;
  /** First retry after this; doubles each attempt. */
  backoffBaseMs: number;
  timeoutMs: number;
  /** Plain http and private or loopback hosts; for local development and tests only. */
  allowInsecureUrls: boolean;
  /** How registration resolves host names; tests replace it. */
  resolveHost?: HostResolver;
}

type Tx = Prisma.TransactionClient | PrismaClient;

const base62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
function randomId(prefix: string): string {
  const bytes = randomBytes(20);
  return `${prefix}_${Array.from(bytes, (b) => base62[b % 62]).join('')}`;
}

export class WebhookService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly box: SecretBox,
    private readonly logger: Logger,
    private readonly options: WebhookOptions,
  ) {}

  /** Why this URL may not be used, or undefined when it may; resolves the host name. */
  async refuseUrl(url: string): Promise<string | undefined> {
    if (this.options.allowInsecureUrls) return undefined;
    const parsed = new URL(url);
    if (parsed.protocol !== 'https:') return 'must use https';
    return findDestinationProblem(parsed, this.options.resolveHost ?? resolveHost, this.options.timeoutMs);
  }

  async create(input: { tenant: string; url: string; events: WebhookEventType[]; createdById: string; createdByName: string }) {
    const id = randomId('wh');
    const signingSecret = generateSigningSecret();
    const row = await this.prisma.webhook.create({
      data: {
        id,
        tenant: input.tenant,
        url: input.url,
        events: input.events,
        signingSecretEnc: this.box.seal(signingSecret, id),
        createdById: input.createdById,
        createdByName: input.createdByName,
      },
    });
    return { row, signingSecret };
  }

  list(tenant: string) {
    return this.prisma.webhook.findMany({ where: { tenant, deletedAt: null }, orderBy: { createdAt: 'desc' } });
  }

  find(tenant: string, id: string) {
    return this.prisma.webhook.findFirst({ where: { id, tenant, deletedAt: null } });
  }

  async remove(tenant: string, id: string): Promise<boolean> {
    const { count } = await this.prisma.webhook.updateMany({ where: { id, tenant, deletedAt: null }, data: { deletedAt: new Date(), enabled: false } });
    return count === 1;
  }

  /** The webhook, or NotFoundError when the tenant has no such live webhook. */
  async findOrThrow(tenant: string, id: string) {
    const row = await this.find(tenant, id);
    if (!row) throw new NotFoundError('not_found', 'No such webhook in this tenant');
    return row;
  }

  deliveries(webhookId: string, limit = 50) {
    return this.prisma.webhookDelivery.findMany({ where: { webhookId }, orderBy: { createdAt: 'desc' }, take: limit });
  }

  /**
   * A new signing secret; the current one becomes the previous one, still signed with for
   * `overlapSeconds` (0: not at all). A previous secret from an earlier rotation is dropped.
   */
  async rotateSecret(tenant: string, id: string, overlapSeconds: number) {
    const current = await this.findOrThrow(tenant, id);
    const signingSecret = generateSigningSecret();
    const overlapEndsAt = overlapSeconds > 0 ? new Date(Date.now() + overlapSeconds * 1000) : null;
    const previousSigningSecretEnc = overlapEndsAt ? this.box.seal(this.box.open(current.signingSecretEnc, id), previousSecretContext(id)) : null;
    // Compare-and-set on the sealed secret: of two concurrent rotations only one wins.
    const { count } = await this.prisma.webhook.updateMany({
      where: { id, tenant, deletedAt: null, signingSecretEnc: current.signingSecretEnc },
      data: { signingSecretEnc: this.box.seal(signingSecret, id), previousSigningSecretEnc, previousSigningSecretExpiresAt: overlapEndsAt },
    });
    if (count !== 1) throw new AppError('invalid_state', 'The webhook changed while its secret was rotated; try again');
    return { row: await this.findOrThrow(tenant, id), signingSecret };
  }

  /** Queues a `webhook.ping` delivery to this endpoint only. */
  async ping(tenant: string, id: string) {
    const hook = await this.findOrThrow(tenant, id);
    const deliveryId = newDeliveryId();
    const createdAt = new Date();
    return this.prisma.webhookDelivery.create({
      data: {
        id: deliveryId,
        webhookId: hook.id,
        tenant,
        event: webhookPingEvent,
        payload: { id: deliveryId, type: webhookPingEvent, tenant, created_at: createdAt.toISOString(), data: { webhook: { id: hook.id, url: hook.url } } },
        createdAt,
        nextAttemptAt: createdAt,
      },
    });
  }

  /**
   * Queues a delivered or failed delivery again, due now, with a fresh retry budget. It keeps
   * its id, which receivers use to recognise a message they already handled.
   */
  async redeliver(tenant: string, webhookId: string, deliveryId: string) {
    await this.findOrThrow(tenant, webhookId);
    const before = await this.prisma.webhookDelivery.findFirst({ where: { id: deliveryId, webhookId, tenant } });
    if (!before) throw new NotFoundError('not_found', 'No such delivery for this webhook');
    const { count } = await this.prisma.webhookDelivery.updateMany({
      where: { id: deliveryId, webhookId, tenant, status: { in: ['delivered', 'failed'] } },
      data: { status: 'pending', attempts: 0, nextAttemptAt: new Date(), deliveredAt: null },
    });
    if (count !== 1) throw new AppError('invalid_state', 'The delivery is already queued');
    const after = await this.prisma.webhookDelivery.findUniqueOrThrow({ where: { id: deliveryId } });
    return { before, after };
  }

  /** Queues the event for every endpoint of the tenant subscribed to it; call inside the change's transaction. */
  async enqueue(tenant: string, type: WebhookEventType, data: Record<string, unknown>, tx: Tx = this.prisma): Promise<number> {
    const hooks = await tx.webhook.findMany({ where: { tenant, enabled: true, deletedAt: null, events: { has: type } }, select: { id: true } });
    if (hooks.length === 0) return 0;
    const createdAt = new Date();
    await tx.webhookDelivery.createMany({
      data: hooks.map((hook) => {
        const id = newDeliveryId();
        return {
          id,
          webhookId: hook.id,
          tenant,
          event: type,
          payload: { id, type, tenant, created_at: createdAt.toISOString(), data } as Prisma.InputJsonValue,
          createdAt,
          nextAttemptAt: createdAt,
        };
      }),
    });
    return hooks.length;
  }

  /** Claims and sends due deliveries; returns how many were attempted. */
  async dispatchDue(batch = 20): Promise<number> {
    const leaseMs = this.options.timeoutMs * 2;
    // The claim pushes next_attempt_at past the send, so a crashed sender's deliveries are retried.
    const claimed = await this.prisma.$queryRaw<Array<{ id: string }>>`
      UPDATE webhook_deliveries SET next_attempt_at = now() + ${`${leaseMs} milliseconds`}::interval
      WHERE id IN (
        SELECT id FROM webhook_deliveries
        WHERE status = 'pending' AND next_attempt_at <= now()
        ORDER BY next_attempt_at
        LIMIT ${batch}
        FOR UPDATE SKIP LOCKED
      )
      RETURNING id`;
    if (claimed.length === 0) return 0;
    const deliveries = await this.prisma.webhookDelivery.findMany({ where: { id: { in: claimed.map((c) => c.id) } }, include: { webhook: true } });
    await Promise.all(deliveries.map((d) => this.send(d)));
    return deliveries.length;
  }

  /** The secrets to sign with now: the current one, then the previous one during its overlap. */
  private signingSecretsOf(webhook: { id: string; signingSecretEnc: string; previousSigningSecretEnc: string | null; previousSigningSecretExpiresAt: Date | null }): string[] {
    const secrets = [this.box.open(webhook.signingSecretEnc, webhook.id)];
    if (webhook.previousSigningSecretEnc && webhook.previousSigningSecretExpiresAt && webhook.previousSigningSecretExpiresAt.getTime() > Date.now()) {
      secrets.push(this.box.open(webhook.previousSigningSecretEnc, previousSecretContext(webhook.id)));
    }
    return secrets;
  }

  private async send(delivery: Prisma.WebhookDeliveryGetPayload<{ include: { webhook: true } }>): Promise<void> {
    const body = JSON.stringify(delivery.payload);
    const timestamp = Math.floor(Date.now() / 1000);
    let statusCode: number | null = null;
    let error: string | null = null;
    if (!delivery.webhook.enabled || delivery.webhook.deletedAt) {
      await this.prisma.webhookDelivery.update({ where: { id: delivery.id }, data: { status: 'failed', lastError: 'endpoint removed' } });
      return;
    }
    try {
      const response = await postDelivery({
        url: delivery.webhook.url,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'sa-bridge-webhooks/1',
          'webhook-id': delivery.id,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signatureHeader(this.signingSecretsOf(delivery.webhook), delivery.id, timestamp, body),
        },
        body,
        timeoutMs: this.options.timeoutMs,
        allowNonPublicDestinations: this.options.allowInsecureUrls,
      });
      statusCode = response.status;
      if (statusCode < 200 || statusCode > 299) error = `HTTP ${statusCode}`;
    } catch (failure) {
      error = describeSendFailure(failure);
    }
    const attempts = delivery.attempts + 1;
    if (!error) {
      await this.prisma.webhookDelivery.update({
        where: { id: delivery.id },
        data: { status: 'delivered', attempts, lastStatusCode: statusCode, lastError: null, deliveredAt: new Date() },
      });
      return;
    }
    const giveUp = attempts >= this.options.maxAttempts;
    const delay = this.options.backoffBaseMs * 2 ** (attempts - 1);
    await this.prisma.webhookDelivery.update({
      where: { id: delivery.id },
      data: {
        status: giveUp ? 'failed' : 'pending',
        attempts,
        lastStatusCode: statusCode,
        lastError: error,
        nextAttemptAt: new Date(Date.now() + delay),
      },
    });
    this.logger.warn({ deliveryId: delivery.id, webhookId: delivery.webhookId, attempts, error, giveUp }, 'webhook delivery failed');
  }
}

function newDeliveryId(): string {
  return newAuditEventId().replace(/^evt_/, 'whd_');
}

/** SecretBox context of the previous secret, so it cannot be swapped with the current one. */
function previousSecretContext(webhookId: string): string {
  return `${webhookId}#previous`;
}

/**
 * What a failed attempt records: a kind of failure, never an address or what answered on a
 * refused destination.
 */
function describeSendFailure(failure: unknown): string {
  if (failure instanceof DestinationNotAllowedError) return destinationNotAllowed;
  if (failure instanceof DeliveryTimeoutError) return 'timeout';
  const code = (failure as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && /^[A-Z0-9_]{2,40}$/.test(code) ? `connection failed (${code})` : 'connection failed';
}
