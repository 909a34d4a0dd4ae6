// The one caller of Keycloak's token endpoint, on openid-client 6:
//  - client credentials for the bridge's own admin client (and the one-time bootstrap): cached,
//    renewed shortly before expiry (client_credentials issues no refresh token), concurrent callers
//    sharing one in-flight request;
//  - the RFC 8693 grant the exchange proxy makes as the realm's `sa-bridge-exchange` client.
import * as oidc from 'openid-client';
import { KeycloakUnavailableError } from '../errors/app-error.ts';
import { ACCESS_TOKEN_TYPE, TOKEN_EXCHANGE_GRANT } from '../lib/oauth-identifiers.ts';
import { KeycloakPermissionError } from './keycloak-errors.ts';


export interface TokenSource {
  getToken(): Promise<string>;
  invalidate(): void;
}

export interface ClientCredentialsOptions {
  keycloakUrl: string;
  realm: string;
  clientId: string;
  clientSecret: string;
  timeoutMs: number;
  /** Renew this many seconds before expiry. */
  skewSeconds?: number;
  now?: () => number;
}

/** An openid-client configuration for a realm's token endpoint, without a discovery round trip. */
export function realmTokenConfiguration(keycloakUrl: string, realm: string, clientId: string, clientSecret: string, timeoutMs: number): oidc.Configuration {
  const issuer = `${keycloakUrl}/realms/${encodeURIComponent(realm)}`;
  const config = new oidc.Configuration(
    { issuer, token_endpoint: `${issuer}/protocol/openid-connect/token` },
    clientId,
    undefined,
    oidc.ClientSecretPost(clientSecret),
  );
  config.timeout = Math.max(1, Math.ceil(timeoutMs / 1000));
  // Keycloak on loopback (the embedded default, tests) speaks plain http.
  if (issuer.startsWith('http:')) oidc.allowInsecureRequests(config);
  return config;
}

export function createClientCredentialsSource(options: ClientCredentialsOptions): TokenSource {
  const now = options.now ?? Date.now;
  const skewMs = (options.skewSeconds ?? 30) * 1000;
  const config = realmTokenConfiguration(options.keycloakUrl, options.realm, options.clientId, options.clientSecret, options.timeoutMs);
  let cached: { token: string; renewAt: number } | undefined;
  let inflight: Promise<string> | undefined;

  async function fetchToken(): Promise<string> {
    let response: oidc.TokenEndpointResponse;
    try {
      response = await oidc.clientCredentialsGrant(config);
    } catch (error) {
      // 400/401 with an OAuth error: Keycloak refused our credentials, which no retry cures.
      if (error instanceof oidc.ResponseBodyError && (error.status === 400 || error.status === 401)) {
        throw new KeycloakPermissionError('sign in with its admin client credentials', error.status);
      }
      throw new KeycloakUnavailableError('Keycloak did not answer the token request; try again later', error);
    }
    const lifetimeMs = (response.expires_in ?? 60) * 1000;
    cached = { token: response.access_token, renewAt: now() + Math.max(lifetimeMs - skewMs, lifetimeMs / 2) };
    return response.access_token;
  }

  return {
    async getToken() {
      if (cached && now() < cached.renewAt) return cached.token;
      inflight ??= fetchToken().finally(() => {
        inflight = undefined;
      });
      return inflight;
    },
    invalidate() {
      cached = undefined;
    },
  };
}

export interface ExchangeGrantRequest {
  subjectToken: string;
  audiences: string[];
  scopes: string[];
}

/** What Keycloak answered: the RFC 8693 response, or its OAuth error (status, error, description). */
export type ExchangeGrantResult =
  | { ok: true; response: { access_token: string; issued_token_type: string; token_type: string; expires_in?: number; scope?: string } }
  | { ok: false; status: number; error?: string; error_description?: string };

/** RFC 8693 standard token exchange at a realm, as the given (exchange) client. */
export async function requestTokenExchange(config: oidc.Configuration, request: ExchangeGrantRequest): Promise<ExchangeGrantResult> {
  const parameters = new URLSearchParams({
    subject_token: request.subjectToken,
    subject_token_type: ACCESS_TOKEN_TYPE,
    requested_token_type: ACCESS_TOKEN_TYPE,
  });
  for (const audience of request.audiences) parameters.append('audience', audience);
  if (request.scopes.length) parameters.set('scope', request.scopes.join(' '));
  try {
    const answer = await oidc.genericGrantRequest(config, TOKEN_EXCHANGE_GRANT, parameters);
    return {
      ok: true,
      response: {
        access_token: answer.access_token,
        issued_token_type: typeof answer.issued_token_type === 'string' ? answer.issued_token_type : ACCESS_TOKEN_TYPE,
        // openid-client lower-cases it; Keycloak, and most clients' examples, say "Bearer".
        token_type: answer.token_type === 'bearer' ? 'Bearer' : answer.token_type,
        ...(answer.expires_in !== undefined && { expires_in: answer.expires_in }),
        ...(answer.scope !== undefined && { scope: answer.scope }),
      },
    };
  } catch (error) {
    if (error instanceof oidc.ResponseBodyError) {
      return { ok: false, status: error.status, error: error.error, error_description: error.error_description };
    }
    throw new KeycloakUnavailableError('Keycloak did not answer the token exchange; try again later', error);
  }
}
