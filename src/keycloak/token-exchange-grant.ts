// The RFC 8693 exchange at a tenant realm, made as that realm's `sa-bridge-exchange` client. One
// openid-client configuration per realm and secret is kept, so the hot path builds none.
import type { Configuration } from 'openid-client';
import { EXCHANGE_CLIENT_ID } from './client-shape.ts';
import { realmTokenConfiguration, requestTokenExchange, type ExchangeGrantRequest, type ExchangeGrantResult } from './token-client.ts';

export type TokenExchangeGrant = ReturnType<typeof createTokenExchangeGrant>;

export function createTokenExchangeGrant(options: { keycloakUrl: string; timeoutMs: number }) {
  const configurations = new Map<string, { secret: string; config: Configuration }>();
  return {
    exchange(realm: string, exchangeClientSecret: string, request: ExchangeGrantRequest): Promise<ExchangeGrantResult> {
      let entry = configurations.get(realm);
      if (!entry || entry.secret !== exchangeClientSecret) {
        entry = {
          secret: exchangeClientSecret,
          config: realmTokenConfiguration(options.keycloakUrl, realm, EXCHANGE_CLIENT_ID, exchangeClientSecret, options.timeoutMs),
        };
        configurations.set(realm, entry);
      }
      return requestTokenExchange(entry.config, request);
    },
  };
}
