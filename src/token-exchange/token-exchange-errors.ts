// OAuth errors of the token endpoint (RFC 6749 section 5.2, RFC 8693 section 2.2.2), named after
// their codes and answered as {error, error_description} with Cache-Control: no-store.
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
  new OAuthError('unsupported_grant_type', 'grant_type must be urn:ietf:params:oauth:grant-type:token-exchange');
export const invalidTarget = (description: string) => new OAuthError('invalid_target', description);
export const invalidScope = (description: string) => new OAuthError('invalid_scope', description);
export const temporarilyUnavailable = (retryAfterSeconds = 5) =>
  new OAuthError('temporarily_unavailable', 'The token service is unavailable; try again later', 503, { 'Retry-After': String(retryAfterSeconds) });
export const slowDown = (retryAfterSeconds: number) =>
  new OAuthError('slow_down', 'Too many token exchanges; slow down', 429, { 'Retry-After': String(retryAfterSeconds) });
