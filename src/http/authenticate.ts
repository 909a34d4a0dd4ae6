import type { RequestHandler, Response } from 'express';
import type { Principal } from '../auth/principal.ts';
import type { TokenVerifier } from '../auth/token-verifier.ts';
import { InvalidTokenError, MissingTokenError } from '../errors/app-error.ts';

export function authenticate(verifier: TokenVerifier): RequestHandler {
  return async function authenticateBearer(req, res, next) {
    try {
      const header = req.get('authorization');
      if (!header) throw new MissingTokenError();
      const match = /^Bearer +([A-Za-z0-9._~+/-]+=*)$/i.exec(header);
      if (!match?.[1]) throw new InvalidTokenError('The Authorization header must be "Bearer <access token>"');
      res.locals.principal = await verifier.verify(match[1]);
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
