// Keycloak keeps honouring an access token until it expires; the bridge does not. A token about a
// service account we disabled or deleted is refused at once (service-account-identity.ts), and a
// token about an active one makes the caller that service account. An API key's principal needs no
// second look: the key's own lookup read the SA's status in the same query.
import type { RequestHandler } from 'express';
import { identifyServiceAccount, type ServiceAccountLookup } from '../auth/service-account-identity.ts';
import { principalOf } from './authenticate.ts';

export function refuseInactiveServiceAccounts(lookup: ServiceAccountLookup): RequestHandler {
  return async function refuseInactiveServiceAccount(_req, res, next) {
    try {
      const principal = principalOf(res);
      if (principal.apiKeyId === undefined) res.locals.principal = await identifyServiceAccount(lookup, principal);
      next();
    } catch (error) {
      next(error);
    }
  };
}
