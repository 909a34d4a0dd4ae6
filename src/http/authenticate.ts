import type { RequestHandler, Response } from 'express';
import { looksLikeApiKey, type ApiKeyAuthenticator } from '../auth/api-key-credentials.ts';
import type { Principal } from '../auth/principal.ts';
import type { TokenVerifier } from '../auth/token-verifier.ts';
import { InvalidTokenError, MissingTokenError } from '../errors/app-error.ts';

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
      const match = /^Bearer +([A-Za-z0-9._~+/-]+=*)$/i.exec(header);
      if (!match?.[1]) throw new InvalidTokenError('The Authorization header must be "Bearer <access token or API key>"');
      const credential = match[1];
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
