// Keycloak keeps honouring an access token until it expires; the bridge does not. A token of a
// service account we disabled or deleted is refused at once, by a lookup of its row (an
// indexed read on (tenant, client_id)).
import type { RequestHandler } from 'express';
import { InvalidTokenError } from '../errors/app-error.ts';
import type { ServiceAccountRepository } from '../service-accounts/service-account-repository.ts';
import { principalOf } from './authenticate.ts';

export function refuseInactiveServiceAccounts(repository: ServiceAccountRepository): RequestHandler {
  return async function refuseInactiveServiceAccount(_req, res, next) {
    try {
      const principal = principalOf(res);
      if (principal.actor.type === 'service_account' && principal.clientId) {
        const row = await repository.findByClientId(principal.realm, principal.clientId);
        if (row && row.status !== 'active') {
          throw new InvalidTokenError(`The service account is ${row.status === 'disabled' ? 'disabled' : 'deleted'}`);
        }
        if (row) principal.serviceAccountId = row.id;
      }
      next();
    } catch (error) {
      next(error);
    }
  };
}
