import type { ActorType } from '../generated/prisma/client.ts';
import { effectiveExpiry, isExpired } from './api-key-policy.ts';
import type { ApiKeyRow } from './api-key-repository.ts';
import type { ApiKeyResponse } from './api-key-schemas.ts';

/** A key as the API shows it: never the key, never its hash. */
export function toApiKeyResponse(row: ApiKeyRow, maxLifetimeDays: number | null, now = new Date()): ApiKeyResponse {
  const expiresAt = effectiveExpiry(row, maxLifetimeDays);
  return {
    id: row.id,
    name: row.name,
    service_account_id: row.serviceAccountId,
    prefix: row.prefix,
    last_four: row.lastFour,
    status: isExpired(row, maxLifetimeDays, now) ? 'expired' : 'active',
    created_at: row.createdAt.toISOString(),
    created_by: { type: row.createdByType as ActorType, id: row.createdById, name: row.createdByName },
    expires_at: expiresAt?.toISOString() ?? null,
    last_used_at: row.lastUsedAt?.toISOString() ?? null,
  };
}

/** What webhooks say about a key: its id, name and display parts, never the key. */
export function toApiKeyWebhookPayload(key: { id: string; name: string; prefix: string; lastFour: string; serviceAccountId: string }) {
  return { api_key: { id: key.id, name: key.name, prefix: key.prefix, last_four: key.lastFour, service_account_id: key.serviceAccountId } };
}
