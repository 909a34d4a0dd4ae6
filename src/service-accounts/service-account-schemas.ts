import { z } from 'zod';
import { roles } from '../auth/roles.ts';
import { actorSchema, tenantQuery, timestamp } from '../http/common-schemas.ts';
import { SERVICE_ACCOUNT_ID_PATTERN } from '../lib/ids.ts';

export const serviceAccountName = z
  .string()
  .min(1)
  .max(50)
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'must be a lowercase slug: a-z, 0-9 and single hyphens, not at either end');

const description = z.string().max(500);

/** Automatic rotation, the shape of the Kubernetes operator reference: checked against tenant policy by the service. */
export const rotationPolicy = z
  .object({
    enabled: z.boolean(),
    interval_days: z.number().int().min(1).max(3650).optional(),
    grace_period_hours: z.number().int().min(0).max(720).optional(),
  })
  .strict()
  .refine((r) => !r.enabled || r.interval_days !== undefined, { message: 'interval_days is required when enabled', path: ['interval_days'] });
export type RotationPolicyInput = z.infer<typeof rotationPolicy>;

/**
 * Claims Keycloak, OAuth or downstream authorization own; a static claim may never replace them or
 * nest into them. Keycloak nests a dotted claim name ("realm_access.roles" becomes
 * {"realm_access": {"roles": …}}), so every dotted segment is checked, not only the whole name.
 */
export const reservedClaims = [
  'iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti', 'azp', 'typ', 'scope', 'sid', 'auth_time', 'acr', 'amr',
  'nonce', 'session_state', 'realm_access', 'resource_access', 'client_id', 'preferred_username', 'cnf', 'act', 'may_act',
  'allowed-origins', 'authorization', 'groups', 'roles', 'email', 'email_verified', 'name', 'given_name', 'family_name',
  'clientHost', 'clientAddress', 'trusted-certs', 'tenant',
];

/** Why a set of static claim names is refused, per name; empty when every name may be used. */
export function refusedClaimNames(names: string[]): Array<{ name: string; message: string }> {
  const refused: Array<{ name: string; message: string }> = [];
  for (const name of names) {
    const reserved = name.split('.').find((segment) => reservedClaims.includes(segment));
    if (reserved) {
      refused.push({ name, message: reserved === name ? `${name} is a reserved claim` : `${name} would nest into or name the reserved claim ${reserved}` });
      continue;
    }
    if (name.split('.').some((segment) => segment === '')) {
      refused.push({ name, message: `${name} has an empty segment` });
      continue;
    }
    // "a" and "a.b" cannot both exist: one would overwrite the other in the token.
    const clash = names.find((other) => other !== name && other.startsWith(`${name}.`));
    if (clash) refused.push({ name, message: `${name} clashes with ${clash}` });
  }
  return refused;
}

// RFC 6749 section 3.3 scope-token characters.
const scopeName = z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]{1,100}$/, 'is not a valid scope token');
const uniqueList = <T extends z.ZodType<string>>(item: T, max: number) =>
  z.array(item).max(max).refine((list) => new Set(list).size === list.length, { message: 'has duplicates' });

export const tokenShapeFields = {
  access_token_ttl: z.number().int().min(10).max(86_400).optional(),
  scopes: uniqueList(scopeName, 20).optional(),
  claims: z
    .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/, 'is not a valid claim name'), z.string().max(256))
    .refine((claims) => Object.keys(claims).length <= 20, { message: 'at most 20 claims' })
    .superRefine((claims, ctx) => {
      for (const { name, message } of refusedClaimNames(Object.keys(claims))) ctx.addIssue({ code: 'custom', path: [name], message });
    })
    .optional(),
  audience: uniqueList(z.string().min(1).max(255), 10).optional(),
};

export const createServiceAccountBody = z
  .object({
    name: serviceAccountName,
    description: description.optional(),
    role: z.enum(roles).optional(),
    rotation: rotationPolicy.optional(),
    ...tokenShapeFields,
  })
  .strict();
export type CreateServiceAccountInput = z.infer<typeof createServiceAccountBody>;

export const updateServiceAccountBody = z
  .object({
    description: description.nullable().optional(),
    enabled: z.boolean().optional(),
    rotation: rotationPolicy.optional(),
    ...tokenShapeFields,
  })
  .strict()
  .refine((b) => Object.values(b).some((v) => v !== undefined), { message: 'give at least one field to change' });
export type UpdateServiceAccountInput = z.infer<typeof updateServiceAccountBody>;

export { tenantQuery } from '../http/common-schemas.ts';

export const listServiceAccountsQuery = z
  .object({
    ...tenantQuery.shape,
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: z.string().min(1).max(512).optional(),
    q: z.string().min(1).max(100).optional(),
    status: z.enum(['active', 'disabled', 'failed']).optional(),
    unused_for_days: z.coerce.number().int().min(1).max(3650).optional(),
  })
  .strict();
export type ListServiceAccountsQuery = z.infer<typeof listServiceAccountsQuery>;

export const serviceAccountIdParams = z.object({
  id: z.string().regex(SERVICE_ACCOUNT_ID_PATTERN, 'is not a service account id (sa_ followed by 20 letters or digits)'),
});

export const regenerateSecretBody = z
  .object({ grace_period: z.number().int().min(0).max(30 * 86_400).optional() })
  .strict();

// --- Responses -------------------------------------------------------------------------------

export const conditionSchema = z
  .object({
    type: z.enum(['Ready', 'Drifted', 'OwnerChanged']),
    status: z.enum(['True', 'False', 'Unknown']),
    reason: z.string(),
    message: z.string(),
    last_transition_time: timestamp,
  })
  .meta({ id: 'Condition' });

const nullableTimestamp = timestamp.nullable();

export const serviceAccountResponse = z
  .object({
    id: z.string().regex(SERVICE_ACCOUNT_ID_PATTERN),
    name: serviceAccountName,
    description: z.string().nullable(),
    tenant: z.string(),
    client_id: z.string().meta({ description: 'The Keycloak client id the workload authenticates with' }),
    role: z.enum(roles),
    status: z.enum(['active', 'disabled', 'deleting', 'failed']).meta({ description: '`failed`: its Keycloak client was deleted outside the bridge; delete the service account' }),
    created_at: timestamp,
    created_by: actorSchema,
    updated_at: timestamp,
    secret_rotated_at: nullableTimestamp,
    secret_expires_at: nullableTimestamp.meta({ description: 'Keycloak refuses the secret after this (tenant max_secret_age_seconds)' }),
    previous_secret_expires_at: nullableTimestamp.meta({ description: 'While in the future, the previous secret still works (grace period)' }),
    last_used_at: nullableTimestamp,
    access_token_ttl: z.number().int().nullable().meta({ description: 'Lifetime in force, seconds (clamped to the tenant maximum)' }),
    access_token_ttl_requested: z.number().int().nullable(),
    scopes: z.array(z.string()),
    claims: z.record(z.string(), z.string()),
    audience: z.array(z.string()),
    rotation: z.object({
      enabled: z.boolean(),
      interval_days: z.number().int().nullable(),
      grace_period_hours: z.number().int().nullable(),
      next_rotation_at: nullableTimestamp,
    }),
    conditions: z.array(conditionSchema).meta({ description: 'What the reconciler last observed, Kubernetes style: `Ready`, `Drifted`, `OwnerChanged`' }),
    issuer: z.url(),
    token_endpoint: z.url(),
    jwks_uri: z.url(),
  })
  .meta({ id: 'ServiceAccount' });
export type ServiceAccountResponse = z.output<typeof serviceAccountResponse>;

export const serviceAccountWithSecretResponse = serviceAccountResponse
  .extend({ client_secret: z.string().meta({ description: 'Shown once: store it now; it cannot be read again' }) })
  .meta({ id: 'ServiceAccountWithSecret' });

export const serviceAccountListResponse = z
  .object({
    items: z.array(serviceAccountResponse),
    next_cursor: z.string().nullable().meta({ description: 'Pass as `cursor` for the next page; null on the last page' }),
  })
  .meta({ id: 'ServiceAccountList' });
