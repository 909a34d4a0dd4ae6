// The registry of every error the API can answer with. `code` is stable and documented;
// clients and tests match on it, never on `detail`.
export const errorCodes = {
  invalid_request: { status: 400, title: 'The request is not valid' },
  malformed_json: { status: 400, title: 'The request body is not valid JSON' },
  invalid_cursor: { status: 400, title: 'The cursor is not valid' },
  invalid_token: { status: 401, title: 'The access token is missing or not valid' },
  insufficient_role: { status: 403, title: 'Your role does not allow this' },
  api_keys_not_allowed: { status: 403, title: 'The tenant policy does not allow API keys' },
  role_escalation: { status: 403, title: 'A service account cannot get a higher role than its creator' },
  not_found: { status: 404, title: 'Not found' },
  service_account_not_found: { status: 404, title: 'Service account not found' },
  tenant_not_found: { status: 404, title: 'Tenant not found' },
  realm_not_found: { status: 404, title: 'Keycloak has no realm of that name' },
  api_key_not_found: { status: 404, title: 'API key not found' },
  method_not_allowed: { status: 405, title: 'Method not allowed' },
  name_taken: { status: 409, title: 'The name is already taken' },
  idempotency_request_in_progress: { status: 409, title: 'A request with this Idempotency-Key is still in progress' },
  invalid_state: { status: 409, title: 'The resource is not in a state that allows this' },
  tenant_exists: { status: 409, title: 'A tenant with this realm name exists' },
  realm_exists: { status: 409, title: 'A Keycloak realm with this name exists: adopt it instead' },
  realm_not_managed: { status: 409, title: "The bridge's admin client may not manage this realm" },
  tenant_has_service_accounts: { status: 409, title: 'The tenant still has live service accounts' },
  api_key_limit_reached: { status: 409, title: 'The service account has as many live API keys as it may' },
  payload_too_large: { status: 413, title: 'The request body is too large' },
  unsupported_media_type: { status: 415, title: 'The request body must be application/json' },
  idempotency_key_reused: { status: 422, title: 'The Idempotency-Key was used with a different request' },
  keycloak_rejected: { status: 422, title: 'Keycloak refused the change' },
  rate_limited: { status: 429, title: 'Too many requests' },
  internal_error: { status: 500, title: 'Internal error' },
  keycloak_unavailable: { status: 503, title: 'The identity provider is unavailable' },
  database_unavailable: { status: 503, title: 'The database is unavailable' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof errorCodes;

export function problemTypeFor(code: ErrorCode): string {
  return `urn:sa-bridge:problem:${code.replaceAll('_', '-')}`;
}
