import { z } from 'zod';
import { roles } from '../auth/roles.ts';
import { SERVICE_ACCOUNT_ID_PATTERN } from '../lib/ids.ts';

export const serviceAccountName = z
  .string()
  .min(1)
  .max(50)
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'must be a lowercase slug: a-z, 0-9 and single hyphens, not at either end');

const description = z.string().max(500);

export const createServiceAccountBody = z
  .object({
    name: serviceAccountName,
    description: description.optional(),
    role: z.enum(roles).optional(),
  })
  .strict();
export type CreateServiceAccountInput = z.infer<typeof createServiceAccountBody>;

export const updateServiceAccountBody = z
  .object({
    description: description.nullable().optional(),
    enabled: z.boolean().optional(),
  })
  .strict()
  .refine((b) => b.description !== undefined || b.enabled !== undefined, { message: 'give description or enabled' });
export type UpdateServiceAccountInput = z.infer<typeof updateServiceAccountBody>;

export const tenantQuery = z.object({ tenant: z.string().min(1).max(255).optional() }).strict();

export const listServiceAccountsQuery = z
  .object({
    tenant: z.string().min(1).max(255).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: z.string().min(1).max(512).optional(),
    q: z.string().min(1).max(100).optional(),
    status: z.enum(['active', 'disabled']).optional(),
  })
  .strict();
export type ListServiceAccountsQuery = z.infer<typeof listServiceAccountsQuery>;

export const serviceAccountIdParams = z.object({
  id: z.string().regex(SERVICE_ACCOUNT_ID_PATTERN, 'is not a service account id (sa_ followed by 20 letters or digits)'),
});
