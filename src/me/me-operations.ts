import { z } from 'zod';
import { roles } from '../auth/roles.ts';
import { actorSchema, timestamp } from '../http/common-schemas.ts';
import { defineOperation } from '../http/operation.ts';

export const meResponse = z
  .object({
    tenant: z.string().meta({ description: "The realm of the caller's token" }),
    role: z.enum(roles).nullable().meta({ description: 'The highest platform role the token carries, or null' }),
    actor: actorSchema,
    client_id: z.string().nullable().meta({ description: 'The OAuth client the token was issued to (azp)' }),
    service_account_id: z.string().nullable().meta({ description: 'Set when the caller is a managed service account' }),
    token_expires_at: timestamp.nullable().meta({ description: 'When the credential expires: the access token, or the API key (null: an API key without an expiry)' }),
    api_key_id: z.string().nullable().meta({ description: 'Set when the caller authenticated with an API key of its service account' }),
  })
  .meta({ id: 'Me' });

export const meOperations = {
  me: defineOperation({
    method: 'get',
    path: '/v1/me',
    operationId: 'getMe',
    summary: 'Who the caller is',
    description: 'Tenant, role and actor the bridge sees in the bearer token or API key; a service account sees itself with its inherited role.',
    tags: ['Identity'],
    access: ['viewer', 'devops', 'tenant-admin', 'cpi-admin'],
    responses: { 200: { description: 'The caller', schema: meResponse } },
    errors: [],
  }),
};
