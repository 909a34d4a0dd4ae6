// One rule for every token about a managed service account, however it came to exist
// (client_credentials with any token shape, or an RFC 8693 exchange by `sa-bridge-exchange`):
// the SA is recognised by the token's subject (its service-account user) or by a managed client
// as `azp`, never by claims a token shape can drop (`client_id`, `preferred_username`). A token
// about an SA whose row is not active is refused at once, even before it expires; an active one
// makes the caller that service account.
import { InvalidTokenError } from '../errors/app-error.ts';
import type { Principal } from './principal.ts';

export interface ServiceAccountMatch {
  id: string;
  status: string;
  clientId: string;
}

export interface ServiceAccountLookup {
  /** Rows of the tenant whose service-account user is `subject` or whose client is `clientId`. */
  findByTokenSubject(tenant: string, subject: string, clientId: string | undefined): Promise<ServiceAccountMatch[]>;
}

export function describeInactive(status: string): string {
  return `The service account is ${status === 'disabled' ? 'disabled' : status === 'failed' ? 'failed (its client is gone)' : 'deleted'}`;
}

/**
 * Returns the principal as the service account the token is about, or unchanged when it is about
 * no managed SA. Throws InvalidTokenError when it is about one that is not active.
 */
export async function identifyServiceAccount(lookup: ServiceAccountLookup, principal: Principal): Promise<Principal> {
  const matches = await lookup.findByTokenSubject(principal.realm, principal.actor.id, principal.clientId);
  if (matches.length === 0) return principal;
  const inactive = matches.find((m) => m.status !== 'active');
  if (inactive) throw new InvalidTokenError(describeInactive(inactive.status));
  const account = matches[0]!;
  return {
    ...principal,
    actor: { type: 'service_account', id: principal.actor.id, name: account.clientId },
    serviceAccountId: account.id,
  };
}
