// The RFC 8693 exchange at a tenant realm, made as the deployment's exchange client there. One
// openid-client configuration per realm and secret is kept, so the hot path builds none.
import type { Configuration } from 'openid-client';
import { exchangeClientIdFor } from './client-shape.ts';
import { realmTokenConfiguration, requestTokenExchange, type ExchangeGrantRequest, type ExchangeGrantResult } from './token-client.ts';

export type TokenExchangeGrant = ReturnType<typeof createTokenExchangeGrant>;

export function createTokenExchangeGrant(options: { keycloakUrl: string; timeoutMs: number; deploymentId: string }) {
  const exchangeClientId = exchangeClientIdFor(options.deploymentId);
  const configurations = new Map<string, { secret: string; config: Configuration }>();
  return {
    exchange(realm: string, exchangeClientSecret: string, request: ExchangeGrantRequest): Promise<ExchangeGrantResult> {
      let entry = configurations.get(realm);
      if (!entry || entry.secret !== exchangeClientSecret) {
        entry = {
          secret: exchangeClientSecret,
          config: realmTokenConfiguration(options.keycloakUrl, realm, exchangeClientId, exchangeClientSecret, options.timeoutMs),
        };
        configurations.set(realm, entry);
      }
      return requestTokenExchange(entry.config, request);
    },
  };
}
