// How webhooks and their deliveries are shown: never a signing secret (only create and rotate
// answer one, once).
import type { DeliveryRow, WebhookRow } from './webhook-repository.ts';
import type { DeliveryResponse, WebhookEventType, WebhookResponse } from './webhook-schemas.ts';

export function toWebhookResponse(row: WebhookRow): WebhookResponse {
  const overlapEndsAt = row.previousSigningSecretExpiresAt && row.previousSigningSecretExpiresAt.getTime() > Date.now() ? row.previousSigningSecretExpiresAt.toISOString() : null;
  return {
    id: row.id,
    tenant: row.tenant,
    url: row.url,
    events: row.events as WebhookEventType[],
    enabled: row.enabled,
    created_at: row.createdAt.toISOString(),
    created_by: { id: row.createdById, name: row.createdByName },
    previous_secret_expires_at: overlapEndsAt,
  };
}

export function toDeliveryResponse(d: DeliveryRow): DeliveryResponse {
  return {
    id: d.id,
    event: d.event,
    status: d.status,
    attempts: d.attempts,
    last_status_code: d.lastStatusCode,
    last_error: d.lastError,
    created_at: d.createdAt.toISOString(),
    delivered_at: d.deliveredAt?.toISOString() ?? null,
    next_attempt_at: d.nextAttemptAt.toISOString(),
  };
}
