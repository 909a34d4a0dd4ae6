import { conditionsOf } from './conditions.ts';
import type { ServiceAccountRow } from './service-account-repository.ts';
import type { ServiceAccountResponse } from './service-account-schemas.ts';

/** Where a service account's workload gets tokens: the tenant realm's own endpoints. */
export function tokenEndpointsFor(issuerBaseUrl: string, realm: string) {
  const issuer = `${issuerBaseUrl}/realms/${encodeURIComponent(realm)}`;
  return {
    issuer,
    token_endpoint: `${issuer}/protocol/openid-connect/token`,
    jwks_uri: `${issuer}/protocol/openid-connect/certs`,
  };
}

export function toServiceAccountResponse(row: ServiceAccountRow, issuerBaseUrl: string): ServiceAccountResponse {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    tenant: row.tenant,
    client_id: row.clientId,
    role: row.role as ServiceAccountResponse['role'],
    status: row.status as ServiceAccountResponse['status'],
    created_at: row.createdAt.toISOString(),
    created_by: { type: row.createdByType, id: row.createdById, name: row.createdByName },
    updated_at: row.updatedAt.toISOString(),
    secret_rotated_at: row.secretRotatedAt?.toISOString() ?? null,
    secret_expires_at: row.secretExpiresAt?.toISOString() ?? null,
    previous_secret_expires_at:
      row.previousSecretExpiresAt && row.previousSecretExpiresAt > new Date() ? row.previousSecretExpiresAt.toISOString() : null,
    last_used_at: row.lastUsedAt?.toISOString() ?? null,
    access_token_ttl: row.accessTokenTtl,
    access_token_ttl_requested: row.requestedAccessTokenTtl,
    scopes: row.scopes,
    claims: row.claims as Record<string, string>,
    audience: row.audiences,
    rotation: {
      enabled: row.rotationEnabled,
      interval_days: row.rotationIntervalDays,
      grace_period_hours: row.rotationGracePeriodHours,
      next_rotation_at: row.rotationEnabled ? (row.nextRotationAt?.toISOString() ?? null) : null,
    },
    conditions: conditionsOf(row).map((c) => ({ type: c.type, status: c.status, reason: c.reason, message: c.message, last_transition_time: c.lastTransitionTime })),
    ...tokenEndpointsFor(issuerBaseUrl, row.tenant),
  };
}

// GET /v1/service-accounts/{id} is polled, and the read cache hands out the same frozen row until it
// changes: its JSON text is kept beside it (a WeakMap, so it goes with the row), and rendering and
// JSON.stringify were 6 % of that route's CPU profile. The only part that moves with time is
// previous_secret_expires_at, so the text is kept only until that moment passes.
const renderedRows = new WeakMap<ServiceAccountRow, { issuerBaseUrl: string; json: string; until: number }>();

/** toServiceAccountResponse as JSON text; remembered for rows that cannot change (frozen). */
export function renderServiceAccountJson(row: ServiceAccountRow, issuerBaseUrl: string): string {
  const now = Date.now();
  const kept = renderedRows.get(row);
  if (kept && kept.issuerBaseUrl === issuerBaseUrl && now < kept.until) return kept.json;
  const json = JSON.stringify(toServiceAccountResponse(row, issuerBaseUrl));
  if (Object.isFrozen(row)) {
    const previousExpiry = row.previousSecretExpiresAt?.getTime();
    renderedRows.set(row, { issuerBaseUrl, json, until: previousExpiry !== undefined && previousExpiry > now ? previousExpiry : Infinity });
  }
  return json;
}

/** What webhooks say about an SA: never a secret. */
export function toWebhookPayload(row: ServiceAccountRow) {
  return {
    service_account: {
      id: row.id,
      name: row.name,
      tenant: row.tenant,
      client_id: row.clientId,
      role: row.role,
      status: row.status,
      secret_rotated_at: row.secretRotatedAt?.toISOString() ?? null,
      secret_expires_at: row.secretExpiresAt?.toISOString() ?? null,
      previous_secret_expires_at: row.previousSecretExpiresAt?.toISOString() ?? null,
    },
  };
}
