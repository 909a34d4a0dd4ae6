// Webhook endpoints a tenant-admin manages: registration (https and public addresses only,
// unless insecure URLs are allowed), signing-secret rotation with an overlap, test pings and
// manual redelivery. Signing secrets are sealed with the server key: they are needed to sign.
import { randomBytes } from 'node:crypto';
import { AppError, NotFoundError } from '../errors/app-error.ts';
import type { Prisma } from '../generated/prisma/client.ts';
import type { SecretBox } from '../lib/secret-box.ts';
import { findDestinationProblem, resolveHost, type HostResolver } from './webhook-destination.ts';
import { deliveryEnvelope, newDeliveryId } from './webhook-outbox.ts';
import type { WebhookRepository, WebhookRow } from './webhook-repository.ts';
import { webhookPingEvent, type WebhookEventType } from './webhook-schemas.ts';
import { generateSigningSecret, previousSecretContext } from './webhook-signature.ts';

export interface WebhookServiceOptions {
  timeoutMs: number;
  /** Plain http and private or loopback hosts; for local development and tests only. */
  allowInsecureUrls: boolean;
  /** How registration resolves host names; tests replace it. */
  resolveHost?: HostResolver;
}

const base62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
function newWebhookId(): string {
  return `wh_${Array.from(randomBytes(20), (b) => base62[b % 62]).join('')}`;
}

export type WebhookService = ReturnType<typeof createWebhookService>;

export function createWebhookService(deps: { repository: WebhookRepository; secrets: SecretBox; options: WebhookServiceOptions }) {
  const { repository, secrets, options } = deps;

  /** The webhook, or NotFoundError when the tenant has no such live webhook. */
  async function findOrThrow(tenant: string, id: string): Promise<WebhookRow> {
    const row = await repository.find(tenant, id);
    if (!row) throw new NotFoundError('not_found', 'No such webhook in this tenant');
    return row;
  }

  return {
    findOrThrow,
    list: (tenant: string) => repository.list(tenant),
    remove: (tenant: string, id: string) => repository.softDelete(tenant, id),
    deliveries: (webhookId: string, limit?: number) => repository.deliveries(webhookId, limit),

    /** Why this URL may not be used, or undefined when it may; resolves the host name. */
    async refuseUrl(url: string): Promise<string | undefined> {
      if (options.allowInsecureUrls) return undefined;
      const parsed = new URL(url);
      if (parsed.protocol !== 'https:') return 'must use https';
      return findDestinationProblem(parsed, options.resolveHost ?? resolveHost, options.timeoutMs);
    },

    async create(input: { tenant: string; url: string; events: WebhookEventType[]; createdById: string; createdByName: string }) {
      const id = newWebhookId();
      const signingSecret = generateSigningSecret();
      const row = await repository.insert({ id, ...input, signingSecretEnc: secrets.seal(signingSecret, id) });
      return { row, signingSecret };
    },

    /**
     * A new signing secret; the current one becomes the previous one, still signed with for
     * `overlapSeconds` (0: not at all). A previous secret from an earlier rotation is dropped.
     */
    async rotateSecret(tenant: string, id: string, overlapSeconds: number) {
      const current = await findOrThrow(tenant, id);
      const signingSecret = generateSigningSecret();
      const overlapEndsAt = overlapSeconds > 0 ? new Date(Date.now() + overlapSeconds * 1000) : null;
      const replaced = await repository.replaceSecret(tenant, id, current.signingSecretEnc, {
        signingSecretEnc: secrets.seal(signingSecret, id),
        previousSigningSecretEnc: overlapEndsAt ? secrets.seal(secrets.open(current.signingSecretEnc, id), previousSecretContext(id)) : null,
        previousSigningSecretExpiresAt: overlapEndsAt,
      });
      if (!replaced) throw new AppError('invalid_state', 'The webhook changed while its secret was rotated; try again');
      return { row: await findOrThrow(tenant, id), signingSecret };
    },

    /** Queues a `webhook.ping` delivery to this endpoint only. */
    async ping(tenant: string, id: string) {
      const hook = await findOrThrow(tenant, id);
      const deliveryId = newDeliveryId();
      const createdAt = new Date();
      const payload = deliveryEnvelope(deliveryId, webhookPingEvent, tenant, createdAt, { webhook: { id: hook.id, url: hook.url } });
      return repository.insertDelivery({ id: deliveryId, webhookId: hook.id, tenant, event: webhookPingEvent, payload: payload as Prisma.InputJsonValue, createdAt });
    },

    /**
     * Queues a delivered or failed delivery again, due now, with a fresh retry budget. It keeps
     * its id, which receivers use to recognise a message they already handled.
     */
    async redeliver(tenant: string, webhookId: string, deliveryId: string) {
      await findOrThrow(tenant, webhookId);
      const before = await repository.findDelivery(tenant, webhookId, deliveryId);
      if (!before) throw new NotFoundError('not_found', 'No such delivery for this webhook');
      const after = await repository.requeueDelivery(tenant, webhookId, deliveryId);
      if (!after) throw new AppError('invalid_state', 'The delivery is already queued');
      return { before, after };
    },
  };
}
