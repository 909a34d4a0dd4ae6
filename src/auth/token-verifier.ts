// Verifies Keycloak-issued access tokens. The issuer selects the realm; only realms the bridge
// knows are trusted, so an unknown issuer is rejected before any key is fetched. Each realm's
// JWKS is fetched once and cached by jose (refetched on an unknown `kid`, at most once per
// cooldown), so a verification costs no network round trip in the steady state.
//
// A verified token is remembered, keyed by its SHA-256, until it expires: callers reuse a token
// for its whole lifetime (5 minutes by default), and its signature and claims cannot change in
// that time. The realm is still checked on every call, so a tenant that is removed stops
// accepting tokens at once. What the token says about a service account is not cached here:
// service-account-identity.ts checks that on every request.
import { hash } from 'node:crypto';
import { createRemoteJWKSet, decodeJwt, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import type { RoleNames } from '../config.ts';
import { InvalidTokenError, KeycloakUnavailableError } from '../errors/app-error.ts';
import type { Principal } from './principal.ts';
import { resolveRole } from './roles.ts';

export interface TokenVerifierOptions {
  /** Base of token issuers, e.g. http://127.0.0.1:8180 (iss = <base>/realms/<realm>). */
  issuerBaseUrl: string;
  /** Where the bridge fetches JWKS from (differs from the issuer base behind a proxy). */
  keycloakUrl: string;
  platformRealm: string;
  roleNames: RoleNames;
  /** Every accepted token must name this in `aud`: a token minted for another service is refused. */
  audience: string;
  isKnownRealm: (realm: string) => Promise<boolean>;
  jwksCooldownMs: number;
  jwksCacheMaxAgeMs: number;
  jwksTimeoutMs: number;
  clockToleranceS: number;
  /** How many verified tokens to remember (default 10,000); 0 turns the cache off. */
  verifiedTokenCacheSize?: number;
  now?: () => number;
}

export interface TokenVerifier {
  verify(token: string): Promise<Principal>;
}

// Keycloak's admin tokens and ours are signed with RS256 by default; allow the asymmetric
// algorithms Keycloak offers and never HS* or none.
const allowedAlgorithms = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
const realmNamePattern = /^[A-Za-z0-9._-]{1,255}$/;
// RFC 7515's compact serialization: three base64url parts; the signature is never empty (no `none`).
const compactJws = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

type KeycloakClaims = JWTPayload & {
  typ?: string;
  azp?: string;
  preferred_username?: string;
  client_id?: string;
  realm_access?: { roles?: unknown };
};

export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const jwksByRealm = new Map<string, ReturnType<typeof createRemoteJWKSet>>();
  const issuerPrefix = `${options.issuerBaseUrl}/realms/`;

  function jwksFor(realm: string) {
    let jwks = jwksByRealm.get(realm);
    if (!jwks) {
      const url = new URL(`${options.keycloakUrl}/realms/${encodeURIComponent(realm)}/protocol/openid-connect/certs`);
      jwks = createRemoteJWKSet(url, {
        cooldownDuration: options.jwksCooldownMs,
        cacheMaxAge: options.jwksCacheMaxAgeMs,
        timeoutDuration: options.jwksTimeoutMs,
      });
      jwksByRealm.set(realm, jwks);
    }
    return jwks;
  }

  const cacheSize = options.verifiedTokenCacheSize ?? 10_000;
  const now = options.now ?? Date.now;
  const verified = new Map<string, Principal>();

  async function verify(token: string): Promise<Principal> {
    if (cacheSize === 0) return verifyAndDescribe(token);
    // One-shot digest: createHash().update().digest() made three native calls and a Hash object per request.
    const key = hash('sha256', token, 'base64url');
    const cached = verified.get(key);
    if (cached) {
      // jose accepts a token until exp + tolerance; so does the cache.
      if ((cached.expiresAt + options.clockToleranceS) * 1000 > now() && (await options.isKnownRealm(cached.realm))) return cached;
      verified.delete(key);
    }
    // Shared by every request that presents the token: frozen, so no caller can change it for the others.
    const principal = Object.freeze(await verifyAndDescribe(token));
    Object.freeze(principal.actor);
    // Oldest first out: a Map iterates in insertion order.
    if (verified.size >= cacheSize) verified.delete(verified.keys().next().value!);
    verified.set(key, principal);
    return principal;
  }

  async function verifyAndDescribe(token: string): Promise<Principal> {
    if (!compactJws.test(token)) throw new InvalidTokenError('The access token is malformed');
    let unverified: JWTPayload;
    try {
      unverified = decodeJwt(token);
    } catch (error) {
      throw new InvalidTokenError('The access token is malformed', error);
    }
    const issuer = unverified.iss;
    if (typeof issuer !== 'string' || !issuer.startsWith(issuerPrefix)) {
      throw new InvalidTokenError('The token was not issued by the configured Keycloak');
    }
    const realm = issuer.slice(issuerPrefix.length);
    if (!realmNamePattern.test(realm) || !(await options.isKnownRealm(realm))) {
      throw new InvalidTokenError('The token was issued by a realm this bridge does not know');
    }

    let claims: KeycloakClaims;
    try {
      const verified = await jwtVerify<KeycloakClaims>(token, jwksFor(realm), {
        issuer,
        audience: options.audience,
        algorithms: allowedAlgorithms,
        clockTolerance: options.clockToleranceS,
        requiredClaims: ['exp', 'sub'],
      });
      claims = verified.payload;
    } catch (error) {
      // Failing to get the realm's JWKS says nothing about the token: that is upstream trouble. jose
      // raises its generic JOSEError for a non-200 answer (Keycloak down behind a proxy, a 503),
      // JWKSInvalid for a body that is not a key set, JWKSTimeout, or the fetch's own error.
      const jwksUnavailable =
        error instanceof joseErrors.JWKSTimeout ||
        error instanceof joseErrors.JWKSInvalid ||
        !(error instanceof joseErrors.JOSEError) ||
        (error as joseErrors.JOSEError).code === joseErrors.JOSEError.code;
      if (jwksUnavailable) {
        throw new KeycloakUnavailableError('The realm signing keys could not be fetched; try again later', error);
      }
      throw new InvalidTokenError(describeJoseFailure(error, options.audience), error);
    }
    // Keycloak marks access tokens typ=Bearer; ID and refresh tokens must not authorize API calls.
    if (claims.typ !== undefined && claims.typ !== 'Bearer') {
      throw new InvalidTokenError('The token is not an access token');
    }

    const realmRoles = Array.isArray(claims.realm_access?.roles)
      ? claims.realm_access.roles.filter((r): r is string => typeof r === 'string')
      : [];
    // A first guess from the claims, for Keycloak clients the bridge does not manage; a token about
    // a managed service account is recognised by its subject afterwards (service-account-identity.ts),
    // whatever its claims say.
    const isServiceAccount =
      typeof claims.client_id === 'string' &&
      typeof claims.preferred_username === 'string' &&
      claims.preferred_username.startsWith('service-account-');
    return {
      realm,
      role: resolveRole(realmRoles, realm, options.platformRealm, options.roleNames),
      actor: {
        type: isServiceAccount ? 'service_account' : 'user',
        id: claims.sub as string,
        name: (isServiceAccount ? claims.client_id : claims.preferred_username) ?? (claims.sub as string),
      },
      clientId: claims.azp,
      tokenId: claims.jti,
      issuedAt: claims.iat,
      expiresAt: claims.exp as number,
    };
  }

  return { verify };
}

function describeJoseFailure(error: unknown, audience: string): string {
  if (error instanceof joseErrors.JWTExpired) return 'The token has expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf') return 'The token is not valid yet';
    if (error.claim === 'aud') return `The token was not issued for this API (its aud must include ${audience})`;
    return `The token's ${error.claim} claim is not valid`;
  }
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'The token signature is not valid';
  if (error instanceof joseErrors.JWKSNoMatchingKey) return 'The token was signed with a key this realm does not publish';
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'The token uses a signing algorithm that is not accepted';
  return 'The token could not be verified';
}
