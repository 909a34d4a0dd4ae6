// Schemas every feature's contract shares: timestamps, actors, the cpi-admin tenant selector.
import { z } from 'zod';

export const timestamp = z.iso.datetime({ offset: true }).meta({ id: 'Timestamp', description: 'RFC 3339 date-time' });

export const actorSchema = z
  .object({
    type: z.enum(['user', 'service_account', 'system']),
    id: z.string().meta({ description: 'Keycloak subject (user or service-account user id), or the system component' }),
    name: z.string(),
  })
  .meta({ id: 'Actor' });

/** `?tenant=<realm>`: a cpi-admin acts on another tenant; anyone else may only name their own. */
export const tenantQuery = z
  .object({ tenant: z.string().min(1).max(255).optional().meta({ description: 'cpi-admin only: the tenant (realm) to act on', example: 'acme' }) })
  .strict();
