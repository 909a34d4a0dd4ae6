// The API key operations of the published contract: mounted by api-key-routes.ts and rendered
// into /openapi.json from these same declarations.
import { z } from 'zod';
import { defineOperation } from '../http/operation.ts';
import {
  apiKeyListResponse,
  apiKeyParams,
  apiKeyWithSecretResponse,
  createApiKeyBody,
  leakReportResponse,
  reportLeakedApiKeyBody,
  serviceAccountKeysParams,
  tenantQuery,
} from './api-key-schemas.ts';

const tags = ['API keys'];
const readers = ['viewer', 'devops', 'tenant-admin', 'cpi-admin'] as const;
const writers = ['devops', 'tenant-admin', 'cpi-admin'] as const;
const noStore = z.object({ 'Cache-Control': z.literal('no-store') });

export const apiKeyOperations = {
  create: defineOperation({
    method: 'post',
    path: '/v1/service-accounts/{id}/api-keys',
    operationId: 'createApiKey',
    summary: 'Create an API key for a service account',
    description:
      'For callers that cannot run a client_credentials grant: `Authorization: Bearer sab_…` authenticates to this API as the service account, with its inherited role. The key is in this answer only; the bridge keeps a keyed hash. Who may: whoever may regenerate the SA\'s secret (devops: only SAs it created). Lifetime: `expires_in_days` (default 90), within the tenant policy.',
    tags,
    access: writers,
    request: { params: serviceAccountKeysParams, query: tenantQuery, body: createApiKeyBody, bodyRequired: true, bodyExample: { name: 'legacy-cron', expires_in_days: 30 } },
    responses: {
      201: {
        description: 'Created; `key` is shown once',
        schema: apiKeyWithSecretResponse,
        headers: noStore,
        links: {
          RevokeApiKey: {
            operationId: 'revokeApiKey',
            parameters: { id: '$request.path.id', key_id: '$response.body#/id' },
            description: 'Revoke the new key',
          },
        },
      },
    },
    errors: ['insufficient_role', 'tenant_not_found', 'service_account_not_found', 'invalid_state', 'api_keys_not_allowed', 'api_key_limit_reached'],
  }),

  list: defineOperation({
    method: 'get',
    path: '/v1/service-accounts/{id}/api-keys',
    operationId: 'listApiKeys',
    summary: "A service account's API keys (never the keys)",
    description: 'Keys not revoked, active and expired, newest first: name, prefix and last four characters, creation, expiry and last use.',
    tags,
    access: readers,
    request: { params: serviceAccountKeysParams, query: tenantQuery },
    responses: { 200: { description: 'The keys', schema: apiKeyListResponse } },
    errors: ['insufficient_role', 'tenant_not_found', 'service_account_not_found'],
  }),

  revoke: defineOperation({
    method: 'delete',
    path: '/v1/service-accounts/{id}/api-keys/{key_id}',
    operationId: 'revokeApiKey',
    summary: 'Revoke an API key',
    description: 'The key is refused from the next request on.',
    tags,
    access: writers,
    request: { params: apiKeyParams, query: tenantQuery },
    responses: { 204: { description: 'Revoked' } },
    errors: ['insufficient_role', 'tenant_not_found', 'service_account_not_found', 'api_key_not_found'],
  }),

  reportLeaked: defineOperation({
    method: 'post',
    path: '/v1/api-keys/revoke',
    operationId: 'revokeLeakedApiKey',
    summary: 'Report a leaked API key (no credentials needed)',
    description:
      "Anyone who finds an exposed `sab_` key (a secret scanner, a colleague) may send it here. If it is a live key, it is revoked at once and its tenant's webhooks get `api_key.leaked`. The answer is the same whether or not the key existed. Rate-limited per client address.",
    tags,
    access: 'public',
    request: { body: reportLeakedApiKeyBody, bodyRequired: true, bodyExample: { key: 'sab_0123456789abcdefghijABCDEFGHIJ01_000000' } },
    responses: { 202: { description: 'Accepted: the same answer for any key', schema: leakReportResponse, headers: noStore } },
    errors: ['rate_limited', 'database_unavailable'],
  }),
};
