import { z } from 'zod';
import { timestamp } from '../http/common-schemas.ts';

export const tenantParams = z.object({ realm: z.string().regex(/^[A-Za-z0-9._-]{1,255}$/) });

export const ownerChangePolicy = z.enum(['downgrade', 'disable', 'keep']).meta({
  description:
    "What happens to a service account when the person who created it loses the role it inherited, is disabled or is deleted in Keycloak: `downgrade` to the creator's new role (disable when none is left), `disable`, or `keep` (audited and flagged with an `OwnerChanged` condition)",
});

const policyFields = {
    max_secret_age_seconds: z.number().int().min(1).max(3650 * 86_400).optional(),
    max_grace_period_seconds: z.number().int().min(0).max(30 * 86_400).optional(),
    max_access_token_ttl: z.number().int().min(10).max(86_400).optional(),
    default_access_token_ttl: z.number().int().min(10).max(86_400).optional(),
    // Unique: a repeated audience made realm setup register its client twice (409 from Keycloak, a 500 here; found by schemathesis).
    allowed_scopes: z.array(z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]{1,100}$/)).max(100).refine((v) => new Set(v).size === v.length, 'must not repeat a value').optional(),
    allowed_audiences: z.array(z.string().min(1).max(255)).max(100).refine((v) => new Set(v).size === v.length, 'must not repeat a value').optional(),
    on_owner_change: ownerChangePolicy.optional(),
    api_keys_allowed: z.boolean().optional(),
    max_api_key_lifetime_days: z.number().int().min(1).max(3650).nullable().optional(),
};

export const updateTenantPolicyBody = z
  .object(policyFields)
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
    on_owner_change: ownerChangePolicy,
    api_keys_allowed: z.boolean().meta({ description: "Whether the tenant's service accounts may have API keys; false also refuses existing keys" }),
    max_api_key_lifetime_days: z
      .number()
      .int()
      .nullable()
      .meta({ description: 'Longest API key lifetime in days (default 90); it also shortens existing keys; null: keys may be created without an expiry' }),
  })
  .meta({ id: 'TenantPolicy' });

// --- Tenants ---------------------------------------------------------------------------------

/** A realm the bridge creates: lowercase, as the tenant template requires. */
export const newRealmName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be 1-63 characters: a-z, 0-9 and hyphens, not starting with a hyphen')
  .refine((name) => name !== 'master', { message: 'master is Keycloak\'s own realm' });

const displayName = z.string().min(1).max(255).regex(/^[^\u0000-\u001f\u007f]+$/, 'must not contain control characters');

const unique = (values: string[]) => new Set(values).size === values.length;

export const tenantAdminInvite = z
  .object({
    username: z
      .string()
      .min(1)
      .max(255)
      .regex(/^[a-z0-9][a-z0-9._@-]*$/, 'must be lowercase: a-z, 0-9 and . _ @ -')
      .optional(),
    email: z.email().max(254).optional(),
    first_name: z.string().min(1).max(255).optional(),
    last_name: z.string().min(1).max(255).optional(),
    credential: z
      .enum(['email', 'temporary_password'])
      .optional()
      .meta({
        description:
          '`email` (default): Keycloak e-mails the person a link to set a password (the realm needs SMTP settings); `temporary_password`: the answer shows a generated temporary password once, to be changed at first sign-in',
      }),
  })
  .strict()
  .refine((a) => a.username !== undefined || a.email !== undefined, { message: 'give a username or an email' })
  .refine((a) => (a.credential ?? 'email') !== 'email' || a.email !== undefined, { message: 'an e-mail invitation needs an email', path: ['email'] });
export type TenantAdminInvite = z.infer<typeof tenantAdminInvite>;

export const createTenantBody = z
  .object({
    realm: newRealmName,
    display_name: displayName,
    adopt: z.literal(false).optional(),
    policy: z.object(policyFields).strict().optional(),
    admins: z
      .array(tenantAdminInvite)
      .max(20)
      .refine((admins) => unique(admins.map((a) => (a.username ?? a.email ?? '').toLowerCase())), { message: 'two admins have the same username' })
      .refine((admins) => unique(admins.flatMap((a) => (a.email ? [a.email.toLowerCase()] : []))), { message: 'two admins have the same email' })
      .optional()
      .meta({ description: 'First tenant-admins of the new realm' }),
  })
  .strict();
export type CreateTenantInput = z.infer<typeof createTenantBody>;

export const adoptTenantBody = z
  .object({
    realm: z.string().regex(/^[A-Za-z0-9._-]{1,255}$/),
    adopt: z.literal(true).meta({ description: 'Register an existing realm: the bridge adds what it needs and changes nothing else' }),
    display_name: displayName.optional(),
  })
  .strict();
export type AdoptTenantInput = z.infer<typeof adoptTenantBody>;

export const createOrAdoptTenantBody = z.union([createTenantBody, adoptTenantBody]);

export const updateTenantBody = z
  .object({
    display_name: displayName.optional(),
    policy: updateTenantPolicyBody.optional(),
  })
  .strict()
  .refine((b) => b.display_name !== undefined || b.policy !== undefined, { message: 'give display_name or policy' });
export type UpdateTenantInput = z.infer<typeof updateTenantBody>;

export const listTenantsQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: z.string().min(1).max(512).optional(),
  })
  .strict();

export const deleteTenantQuery = z
  .object({
    cascade: z
      .enum(['true', 'false'])
      .optional()
      .meta({ description: 'Delete the live service accounts first (each through the normal delete)' }),
  })
  .strict();

const countsSchema = z
  .object({
    active: z.number().int(),
    disabled: z.number().int(),
    failed: z.number().int(),
    provisioning: z.number().int(),
    deleting: z.number().int(),
  })
  .meta({ description: 'Service accounts of the tenant by status (deleted ones are not counted)' });

export const tenantResponse = z
  .object({
    realm: z.string(),
    display_name: z.string(),
    origin: z.enum(['registered', 'created', 'adopted']).meta({
      description: '`created`: the bridge made the realm (deleting the tenant deletes it); `adopted` or `registered`: an existing realm (deleting the tenant releases it)',
    }),
    status: z.enum(['provisioning', 'active', 'deleting']),
    created_at: timestamp,
    updated_at: timestamp,
    issuer: z.url(),
    service_accounts: countsSchema,
    policy: tenantPolicyResponse,
  })
  .meta({ id: 'Tenant' });

export const createdTenantResponse = tenantResponse
  .extend({
    added: z.array(z.string()).meta({ description: 'What the bridge added to the realm' }),
    admins: z.array(
      z.object({
        id: z.string(),
        username: z.string(),
        email: z.string().nullable(),
        credential: z.enum(['email', 'temporary_password']),
        email_sent: z.boolean().nullable().meta({ description: 'Whether Keycloak sent the invitation (false when the realm has no SMTP settings)' }),
        temporary_password: z.string().optional().meta({ description: 'Shown once; Keycloak asks for a new one at first sign-in' }),
      }),
    ),
  })
  .meta({ id: 'CreatedTenant' });

export const tenantListResponse = z
  .object({
    items: z.array(tenantResponse),
    next_cursor: z.string().nullable(),
  })
  .meta({ id: 'TenantList' });
