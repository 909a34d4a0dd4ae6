import type { RequestHandler, Response } from 'express';
import { looksLikeApiKey, type ApiKeyAuthenticator } from '../auth/api-key-credentials.ts';
import type { Principal } from '../auth/principal.ts';
import type { TokenVerifier } from '../auth/token-verifier.ts';
import { InvalidTokenError, MissingTokenError } from '../errors/app-error.ts';

// Only the scheme is checked here. The credential's syntax is checked by whoever reads it: the
// API key authenticator checks a key's shape, the token verifier a JWT's compact form, once per
// token (a token it remembers passed it). Checking RFC 6750's b64token characters here scanned
// the whole 1.2 KB token on every request: 2.9 µs, measured.
const bearerScheme = /^Bearer +/i;

/**
 * `Authorization: Bearer <credential>`: a Keycloak access token (a JWT), or a service account's
 * API key (`sab_…`), which the API key authenticator checks (format and checksum first, without
 * the database).
 */
export function authenticate(verifier: TokenVerifier, apiKeys?: ApiKeyAuthenticator): RequestHandler {
  return async function authenticateBearer(req, res, next) {
    try {
      const header = req.get('authorization');
      if (!header) throw new MissingTokenError();
      const scheme = bearerScheme.exec(header);
      const credential = scheme ? header.slice(scheme[0].length) : '';
      if (!credential) throw new InvalidTokenError('The Authorization header must be "Bearer <access token or API key>"');
      res.locals.principal =
        apiKeys && looksLikeApiKey(credential)
          ? await apiKeys.authenticate(credential, {
              ip: req.ip ?? null,
              userAgent: req.get('user-agent') ?? null,
              requestId: (res.locals.requestId as string | undefined) ?? null,
            })
          : await verifier.verify(credential);
      next();
    } catch (error) {
      next(error);
    }
  };
}

export function principalOf(res: Response): Principal {
  const principal = res.locals.principal as Principal | undefined;
  if (!principal) throw new Error('principalOf called on a route without authenticate()');
  return principal;
}
