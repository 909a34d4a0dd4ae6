import { z } from 'zod';
import { defineOperation } from '../http/operation.ts';
import { ACCESS_TOKEN_TYPE, TOKEN_EXCHANGE_GRANT } from '../lib/oauth-identifiers.ts';
import { exchangeForm, exchangeResponse } from './token-exchange-schemas.ts';

export const tokenExchangeOperations = {
  exchange: defineOperation({
    method: 'post',
    path: '/v1/token-exchange',
    operationId: 'exchangeToken',
    summary: 'RFC 8693 token exchange under tenant policy',
    description:
      'Exchanges the caller\'s access token (sent as `subject_token`, no Authorization header) for one meant for another audience of its tenant, issued by Keycloak. Errors are RFC 6749 `{error, error_description}`.',
    tags: ['Token exchange'],
    access: 'public',
    request: {
      body: exchangeForm,
      bodyType: 'application/x-www-form-urlencoded',
      bodyRequired: true,
      bodyExample: {
        grant_type: TOKEN_EXCHANGE_GRANT,
        subject_token: 'eyJhbGciOiJSUzI1NiIs…',
        subject_token_type: ACCESS_TOKEN_TYPE,
        audience: 'billing-api',
        scope: 'billing:read',
      },
    },
    responses: {
      200: {
        description: "Keycloak's token for the audience",
        schema: exchangeResponse,
        headers: z.object({ 'Cache-Control': z.literal('no-store') }),
      },
    },
    errors: [],
    oauthErrors: {
      400: ['invalid_request', 'unsupported_grant_type', 'invalid_target', 'invalid_scope'],
      429: ['slow_down'],
      503: ['temporarily_unavailable'],
    },
  }),
};
