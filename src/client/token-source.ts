// A workload's tokens, on openid-client 6: client_credentials at the service account's realm
// (its token endpoint found by discovery from `issuer`), kept in memory and renewed before it
// expires (at a fraction of its lifetime, with jitter, so a fleet does not renew in step), one
// request in flight however many callers ask, transient failures retried; and RFC 8693 exchange
// through the bridge for a token meant for another audience. The secret is never logged.
import * as oidc from 'openid-client';
import { ConnectionError, OAuthError } from './client-errors.ts';

export interface TokenSourceOptions {
  /** The realm's issuer, as a service account's `issuer` field gives it. */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** The bridge, for exchange(). */
  bridgeUrl?: string;
  /** Scope to ask for with client_credentials. */
  scope?: string;
  /** Renew once this fraction of the lifetime has passed (default 0.75). */
  refreshAt?: number;
  /** Spread of the renewal moment, as a fraction of the lifetime (default 0.1). */
  jitter?: number;
  /** Attempts after the first on transient failures (default 3). */
  retries?: number;
  now?: () => number;
  random?: () => number;
}

export interface IssuedToken {
  accessToken: string;
  /** Epoch ms. */
  expiresAt: number;
  scope: string | undefined;
}

export interface TokenSource {
  getToken(): Promise<string>;
  /** The cached token with its expiry, renewed first when due. */
  getIssuedToken(): Promise<IssuedToken>;
  /** Forgets the cached token (e.g. after a 401 from an API). */
  invalidate(): void;
  /** A token for another audience (RFC 8693, through the bridge), under the tenant's policy. */
  exchange(request: { audience: string | string[]; scope?: string }): Promise<IssuedToken>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function transient(error: unknown): boolean {
  if (error instanceof oidc.ResponseBodyError) return error.status >= 500 || error.status === 429;
  return true;
}

function insecure(url: string): Array<(config: oidc.Configuration) => void> {
  return url.startsWith('http:') ? [oidc.allowInsecureRequests] : [];
}

export function createTokenSource(options: TokenSourceOptions): TokenSource {
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const refreshAt = options.refreshAt ?? 0.75;
  const jitter = options.jitter ?? 0.1;
  const retries = options.retries ?? 3;
  let configuration: Promise<oidc.Configuration> | undefined;
  let cached: (IssuedToken & { renewAt: number }) | undefined;
  let inflight: Promise<IssuedToken> | undefined;

  async function withRetries<T>(what: string, attempt: () => Promise<T>): Promise<T> {
    for (let tries = 0; ; tries += 1) {
      try {
        return await attempt();
      } catch (error) {
        if (!transient(error)) {
          const e = error as oidc.ResponseBodyError;
          throw new OAuthError(e.status, e.error, e.error_description);
        }
        if (tries >= retries) throw new ConnectionError(`${what} failed after ${tries + 1} attempts: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
        await sleep(Math.min(200 * 2 ** tries, 5000) * (0.5 + random()));
      }
    }
  }

  function discover(): Promise<oidc.Configuration> {
    configuration ??= withRetries('discovery', () =>
      oidc.discovery(new URL(options.issuer), options.clientId, undefined, oidc.ClientSecretPost(options.clientSecret), { execute: insecure(options.issuer) }),
    ).catch((error: unknown) => {
      configuration = undefined;
      throw error;
    });
    return configuration;
  }

  function toIssued(response: oidc.TokenEndpointResponse, issuedAt: number): IssuedToken {
    return { accessToken: response.access_token, expiresAt: issuedAt + (response.expires_in ?? 60) * 1000, scope: response.scope };
  }

  async function fetchToken(): Promise<IssuedToken> {
    const config = await discover();
    const issuedAt = now();
    const response = await withRetries('client_credentials', () => oidc.clientCredentialsGrant(config, options.scope ? { scope: options.scope } : {}));
    const token = toIssued(response, issuedAt);
    const lifetime = token.expiresAt - issuedAt;
    const spread = (random() * 2 - 1) * jitter * lifetime;
    cached = { ...token, renewAt: issuedAt + Math.min(lifetime * refreshAt + spread, lifetime - 1000) };
    return token;
  }

  async function getIssuedToken(): Promise<IssuedToken> {
    if (cached && now() < cached.renewAt) return cached;
    inflight ??= fetchToken().finally(() => {
      inflight = undefined;
    });
    return inflight;
  }

  return {
    getIssuedToken,
    async getToken() {
      return (await getIssuedToken()).accessToken;
    },
    invalidate() {
      cached = undefined;
    },
    async exchange(request) {
      if (!options.bridgeUrl) throw new Error('exchange() needs bridgeUrl');
      const bridge = options.bridgeUrl.replace(/\/+$/, '');
      const config = new oidc.Configuration({ issuer: bridge, token_endpoint: `${bridge}/v1/token-exchange` }, options.clientId, undefined, oidc.None());
      for (const allow of insecure(bridge)) allow(config);
      const parameters = new URLSearchParams({
        subject_token: (await getIssuedToken()).accessToken,
        subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      });
      for (const audience of [request.audience].flat()) parameters.append('audience', audience);
      if (request.scope) parameters.set('scope', request.scope);
      const issuedAt = now();
      const response = await withRetries('token exchange', () => oidc.genericGrantRequest(config, 'urn:ietf:params:oauth:grant-type:token-exchange', parameters));
      return toIssued(response, issuedAt);
    },
  };
}
