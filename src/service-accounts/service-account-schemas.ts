import { z } from 'zod';
import { roles } from '../auth/roles.ts';
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

export const createServiceAccountBody = z
  .object({
    name: serviceAccountName,
    description: description.optional(),
    role: z.enum(roles).optional(),
    rotation: rotationPolicy.optional(),
  })
  .strict();
export type CreateServiceAccountInput = z.infer<typeof createServiceAccountBody>;

export const updateServiceAccountBody = z
  .object({
    description: description.nullable().optional(),
    enabled: z.boolean().optional(),
    rotation: rotationPolicy.optional(),
  })
  .strict()
  .refine((b) => b.description !== undefined || b.enabled !== undefined || b.rotation !== undefined, {
    message: 'give description, enabled or rotation',
  });
export type UpdateServiceAccountInput = z.infer<typeof updateServiceAccountBody>;

export const tenantQuery = z.object({ tenant: z.string().min(1).max(255).optional() }).strict();

export const listServiceAccountsQuery = z
  .object({
    tenant: z.string().min(1).max(255).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: z.string().min(1).max(512).optional(),
    q: z.string().min(1).max(100).optional(),
    status: z.enum(['active', 'disabled']).optional(),
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
