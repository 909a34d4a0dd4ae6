import { z } from 'zod';

export const tenantParams = z.object({ realm: z.string().regex(/^[A-Za-z0-9._-]{1,255}$/) });

export const updateTenantPolicyBody = z
  .object({
    max_secret_age_seconds: z.number().int().min(1).max(3650 * 86_400).optional(),
    max_grace_period_seconds: z.number().int().min(0).max(30 * 86_400).optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, { message: 'give at least one field' });
