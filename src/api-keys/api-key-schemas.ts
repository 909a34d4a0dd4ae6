import { z } from 'zod';
import { API_KEY_PATTERN } from '../auth/api-key-credentials.ts';
import { actorSchema, timestamp } from '../http/common-schemas.ts';
import { API_KEY_ID_PATTERN, SERVICE_ACCOUNT_ID_PATTERN } from '../lib/ids.ts';

export { tenantQuery } from '../http/common-schemas.ts';

const serviceAccountId = z.string().regex(SERVICE_ACCOUNT_ID_PATTERN, 'is not a service account id (sa_ followed by 20 letters or digits)');
const apiKeyId = z.string().regex(API_KEY_ID_PATTERN, 'is not an API key id (key_ followed by 20 letters or digits)');

export const apiKeyName = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[^\u0000-\u001f\u007f]+$/, 'must not contain control characters')
  .refine((name) => name.trim().length > 0, 'must not be only spaces');

export const createApiKeyBody = z
  .object({
    name: apiKeyName.meta({ description: 'What the key is for, e.g. the system that uses it' }),
    expires_in_days: z
      .number()
      .int()
      .min(1)
      .max(3650)
      .nullable()
      .optional()
      .meta({ description: 'Days until the key stops working (default 90, at most the tenant maximum); null: never, only when the tenant policy has no maximum' }),
  })
  .strict();
export type CreateApiKeyInput = z.infer<typeof createApiKeyBody>;

export const serviceAccountKeysParams = z.object({ id: serviceAccountId });
export const apiKeyParams = z.object({ id: serviceAccountId, key_id: apiKeyId });

export const reportLeakedApiKeyBody = z
  .object({ key: z.string().min(1).max(256).meta({ description: 'The exposed key, as found' }) })
  .strict();

// --- Responses -------------------------------------------------------------------------------

export const apiKeyResponse = z
  .object({
    id: z.string().regex(API_KEY_ID_PATTERN).meta({ description: "The key's id (not the key)" }),
    name: z.string(),
    service_account_id: z.string(),
    prefix: z.string().meta({ description: 'The fixed prefix every key starts with', example: 'sab_' }),
    last_four: z.string().meta({ description: 'The last four characters of the key, to tell keys apart' }),
    status: z.enum(['active', 'expired']),
    created_at: timestamp,
    created_by: actorSchema,
    expires_at: timestamp.nullable().meta({ description: 'When it stops working (its own expiry or the tenant maximum, whichever is first); null: never' }),
    last_used_at: timestamp.nullable().meta({ description: 'Recorded at most once a minute' }),
  })
  .meta({ id: 'ApiKey' });
export type ApiKeyResponse = z.output<typeof apiKeyResponse>;

export const apiKeyWithSecretResponse = apiKeyResponse
  .extend({
    key: z.string().regex(API_KEY_PATTERN).meta({ description: 'Shown once: store it now; only a keyed hash of it is kept. Send it as `Authorization: Bearer <key>`' }),
  })
  .meta({ id: 'ApiKeyWithSecret' });

export const apiKeyListResponse = z.object({ items: z.array(apiKeyResponse) }).meta({ id: 'ApiKeyList' });

export const leakReportResponse = z
  .object({ status: z.literal('accepted').meta({ description: 'Always the same answer, whether or not the key existed' }) })
  .meta({ id: 'LeakedApiKeyReport' });
