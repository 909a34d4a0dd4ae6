// OAuth errors of the token endpoint (RFC 6749 section 5.2, RFC 8693 section 2.2.2), named after
// their codes and answered as {error, error_description} with Cache-Control: no-store.
import { TOKEN_EXCHANGE_GRANT } from '../lib/oauth-identifiers.ts';
export class OAuthError extends Error {
  constructor(
    readonly error: string,
    readonly description: string,
    readonly status = 400,
    readonly headers: Record<string, string> = {},
  ) {
    super(`${error}: ${description}`);
    this.name = 'OAuthError';
  }
}

export const invalidRequest = (description: string) => new OAuthError('invalid_request', description);
export const unsupportedGrantType = () =>
  new OAuthError('unsupported_grant_type', `grant_type must be ${TOKEN_EXCHANGE_GRANT}`);
export const invalidTarget = (description: string) => new OAuthError('invalid_target', description);
export const invalidScope = (description: string) => new OAuthError('invalid_scope', description);
export const temporarilyUnavailable = (retryAfterSeconds = 5) =>
  new OAuthError('temporarily_unavailable', 'The token service is unavailable; try again later', 503, { 'Retry-After': String(retryAfterSeconds) });
export const slowDown = (retryAfterSeconds: number) =>
  new OAuthError('slow_down', 'Too many token exchanges; slow down', 429, { 'Retry-After': String(retryAfterSeconds) });

/**
 * Keycloak's refusal of an exchange, in RFC 8693 terms. Keycloak answers `invalid_client`
 * "Audience not found" for an audience with no client, and `invalid_client`/`unauthorized_client`
 * when the bridge's own exchange client fails to authenticate; neither is the caller's client, so
 * neither is passed on as such. Returns undefined when the refusal is upstream trouble (503).
 */
export function fromKeycloakRefusal(status: number, body: { error?: unknown; error_description?: unknown }): OAuthError | undefined {
  const error = typeof body.error === 'string' ? body.error : '';
  const description = typeof body.error_description === 'string' ? body.error_description.slice(0, 300) : '';
  if (status >= 500) return undefined;
  if (/audience/i.test(description) && /not found|invalid|unknown/i.test(description)) {
    return invalidTarget('An audience is not a client of this realm');
  }
  switch (error) {
    case 'invalid_scope':
      return invalidScope(description || 'A requested scope cannot be granted');
    case 'invalid_target':
      return invalidTarget(description || 'A requested audience cannot be granted');
    case 'invalid_client':
    case 'unauthorized_client':
      // The bridge's own exchange client was refused: a deployment problem, not the caller's.
      return undefined;
    case 'access_denied':
      return invalidRequest('Keycloak refused to exchange this subject_token');
    default:
      return invalidRequest(description || 'Keycloak refused the exchange');
  }
}
