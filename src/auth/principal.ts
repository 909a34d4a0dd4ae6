import type { Role } from './roles.ts';

export type ActorType = 'user' | 'service_account';

export interface Actor {
  type: ActorType;
  /** Keycloak subject (user id, or the service-account user id). */
  id: string;
  /** preferred_username for users, client_id for service accounts. */
  name: string;
}

/** Who is calling, derived from a verified Keycloak access token or a service account's API key. */
export interface Principal {
  realm: string;
  role: Role | null;
  actor: Actor;
  /** The OAuth client the token was issued to (azp). */
  clientId: string | undefined;
  tokenId: string | undefined;
  /** Our sa_ id when the caller is a service account managed by the bridge. */
  serviceAccountId?: string;
  issuedAt: number | undefined;
  /** Seconds since the epoch; Infinity for an API key without an expiry. */
  expiresAt: number;
  /** Set when the caller authenticated with an API key (then serviceAccountId is set too). */
  apiKeyId?: string;
}
