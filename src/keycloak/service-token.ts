// The bridge's own access token for the admin API, from the client_credentials grant.
// client_credentials issues no refresh token, so the token is fetched again shortly before it
// expires; concurrent callers share one in-flight request.
import { KeycloakUnavailableError } from '../errors/app-error.ts';
import { KeycloakPermissionError } from './keycloak-errors.ts';

export interface ServiceTokenOptions {
  keycloakUrl: string;
  realm: string;
  clientId: string;
  clientSecret: string;
  timeoutMs: number;
  /** Renew this many seconds before expiry. */
  skewSeconds?: number;
  now?: () => number;
}

export interface ServiceTokenSource {
  getToken(): Promise<string>;
  invalidate(): void;
}

export function createServiceTokenSource(options: ServiceTokenOptions): ServiceTokenSource {
  const now = options.now ?? Date.now;
  const skewMs = (options.skewSeconds ?? 30) * 1000;
  let cached: { token: string; renewAt: number } | undefined;
  let inflight: Promise<string> | undefined;

  async function fetchToken(): Promise<string> {
    const url = `${options.keycloakUrl}/realms/${encodeURIComponent(options.realm)}/protocol/openid-connect/token`;
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: options.clientId,
          client_secret: options.clientSecret,
        }),
        signal: AbortSignal.timeout(options.timeoutMs),
      });
    } catch (error) {
      throw new KeycloakUnavailableError('Keycloak did not answer the token request; try again later', error);
    }
    if (response.status === 400 || response.status === 401) {
      await response.body?.cancel();
      throw new KeycloakPermissionError('sign in with its admin client credentials', response.status);
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new KeycloakUnavailableError(`Keycloak token endpoint answered HTTP ${response.status}`);
    }
    const body = (await response.json()) as { access_token?: unknown; expires_in?: unknown };
    if (typeof body.access_token !== 'string' || typeof body.expires_in !== 'number') {
      throw new KeycloakUnavailableError('Keycloak token endpoint answered without an access token');
    }
    const lifetimeMs = body.expires_in * 1000;
    cached = { token: body.access_token, renewAt: now() + Math.max(lifetimeMs - skewMs, lifetimeMs / 2) };
    return body.access_token;
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
