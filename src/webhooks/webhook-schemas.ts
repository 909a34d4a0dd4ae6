import { z } from 'zod';
import { tenantQuery, timestamp } from '../http/common-schemas.ts';

export const webhookEventTypes = [
  'service_account.created',
  'service_account.deleted',
  'service_account.secret_rotated',
  'service_account.secret_expiring',
  'service_account.secret_expired',
  'service_account.owner_changed',
  'tenant.created',
  'tenant.deleted',
  'api_key.leaked',
] as const;
export type WebhookEventType = (typeof webhookEventTypes)[number];

export const webhookIdParams = z.object({ id: z.string().regex(/^wh_[0-9A-Za-z]{20}$/, 'is not a webhook id') });

export const createWebhookBody = z
  .object({
    url: z.url({ protocol: /^https?$/ }).max(2000),
    events: z.array(z.enum(webhookEventTypes)).min(1).max(webhookEventTypes.length),
  })
  .strict();

export const webhookListQuery = tenantQuery;

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

// --- Responses -------------------------------------------------------------------------------

export const webhookResponse = z
  .object({
    id: z.string(),
    tenant: z.string(),
    url: z.string(),
    events: z.array(z.enum(webhookEventTypes)),
    enabled: z.boolean(),
    created_at: timestamp,
    created_by: z.object({ id: z.string(), name: z.string() }),
    previous_secret_expires_at: timestamp.nullable().meta({ description: 'Until then deliveries are signed with the previous secret too' }),
  })
  .meta({ id: 'Webhook' });
export type WebhookResponse = z.output<typeof webhookResponse>;

export const webhookWithSecretResponse = webhookResponse
  .extend({ signing_secret: z.string().meta({ description: 'whsec_ + base64 (Standard Webhooks); shown once' }) })
  .meta({ id: 'WebhookWithSecret' });

export const deliveryResponse = z
  .object({
    id: z.string().meta({ description: 'Also the webhook-id header of each attempt' }),
    event: z.string(),
    status: z.enum(['pending', 'delivered', 'failed']),
    attempts: z.number().int(),
    last_status_code: z.number().int().nullable(),
    last_error: z.string().nullable(),
    created_at: timestamp,
    delivered_at: timestamp.nullable(),
    next_attempt_at: timestamp,
  })
  .meta({ id: 'WebhookDelivery' });
export type DeliveryResponse = z.output<typeof deliveryResponse>;

export const webhookListResponse = z.object({ items: z.array(webhookResponse) }).meta({ id: 'WebhookList' });
export const deliveryListResponse = z.object({ items: z.array(deliveryResponse) }).meta({ id: 'WebhookDeliveryList' });
