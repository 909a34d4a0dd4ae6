import { z } from 'zod';

export const webhookEventTypes = [
  'service_account.created',
  'service_account.deleted',
  'service_account.secret_rotated',
  'service_account.secret_expiring',
  'service_account.secret_expired',
] as const;
export type WebhookEventType = (typeof webhookEventTypes)[number];

export const webhookIdParams = z.object({ id: z.string().regex(/^wh_[0-9A-Za-z]{20}$/, 'is not a webhook id') });

export const createWebhookBody = z
  .object({
    url: z.url({ protocol: /^https?$/ }).max(2000),
    events: z.array(z.enum(webhookEventTypes)).min(1).max(webhookEventTypes.length),
  })
  .strict();

export const webhookListQuery = z.object({ tenant: z.string().min(1).max(255).optional() }).strict();

/** Not a subscribable event: sent only by POST /v1/webhooks/{id}/ping. */
export const webhookPingEvent = 'webhook.ping';

export const webhookDeliveryParams = z.object({
  id: webhookIdParams.shape.id,
  delivery_id: z.string().regex(/^whd_[0-9A-Za-z]{22}$/, 'is not a delivery id'),
});

export const defaultOverlapSeconds = 86_400;
export const maxOverlapSeconds = 604_800;

export const rotateWebhookSecretBody = z
  .object({ overlap_seconds: z.number().int().min(0).max(maxOverlapSeconds).default(defaultOverlapSeconds) })
  .strict();
