import { z } from 'zod';

export const tenantParams = z.object({ realm: z.string().regex(/^[A-Za-z0-9._-]{1,255}$/) });

export const updateTenantPolicyBody = z
  .object({
    max_secret_age_seconds: z.number().int().min(1).max(3650 * 86_400).optional(),
    max_grace_period_seconds: z.number().int().min(0).max(30 * 86_400).optional(),
    max_access_token_ttl: z.number().int().min(10).max(86_400).optional(),
    default_access_token_ttl: z.number().int().min(10).max(86_400).optional(),
    allowed_scopes: z.array(z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]{1,100}$/)).max(100).optional(),
    allowed_audiences: z.array(z.string().min(1).max(255)).max(100).optional(),
    api_keys_allowed: z.boolean().optional(),
    max_api_key_lifetime_days: z.number().int().min(1).max(3650).nullable().optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, { message: 'give at least one field' });
export type UpdateTenantPolicyInput = z.infer<typeof updateTenantPolicyBody>;

export const tenantPolicyResponse = z
  .object({
    tenant: z.string(),
    max_secret_age_seconds: z.number().int().meta({ description: 'Keycloak refuses a secret older than this' }),
    max_grace_period_seconds: z.number().int().meta({ description: 'Longest grace period a rotation may give the previous secret' }),
    max_access_token_ttl: z.number().int(),
    default_access_token_ttl: z.number().int(),
    allowed_scopes: z.array(z.string()),
    allowed_audiences: z.array(z.string()),
    registered_audiences: z.array(z.string()).meta({ description: 'Allowed audiences the bridge registered as resource clients of the realm' }),
    api_keys_allowed: z.boolean().meta({ description: "Whether the tenant's service accounts may have API keys; false also refuses existing keys" }),
    max_api_key_lifetime_days: z
      .number()
      .int()
      .nullable()
      .meta({ description: 'Longest API key lifetime in days (default 90); it also shortens existing keys; null: keys may be created without an expiry' }),
  })
  .meta({ id: 'TenantPolicy' });
