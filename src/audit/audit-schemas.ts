import { z } from 'zod';

export const auditEventsQuery = z
  .object({
    tenant: z.string().min(1).max(255).optional(),
    action: z.string().min(1).max(100).optional(),
    actor: z.string().min(1).max(255).optional(),
    target: z.string().min(1).max(255).optional(),
    outcome: z.enum(['success', 'denied', 'failed']).optional(),
    since: z.iso.datetime({ offset: true }).optional(),
    until: z.iso.datetime({ offset: true }).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(50),
    cursor: z.string().min(1).max(512).optional(),
  })
  .strict();
