import { z } from 'zod';
import { ACCESS_TOKEN_TYPE, TOKEN_EXCHANGE_GRANT } from '../lib/oauth-identifiers.ts';

const list = z.union([z.string(), z.array(z.string())]).transform((v) => (Array.isArray(v) ? v : [v]));

/** RFC 8693 section 2.1, as the bridge accepts it (access tokens in and out; `audience`, not `resource`). */
export const exchangeForm = z.object({
  grant_type: z.literal(TOKEN_EXCHANGE_GRANT),
  subject_token: z.string().min(1).max(16_384).meta({ description: "The caller's own access token (a service account's, or a person's portal token)" }),
  subject_token_type: z.literal(ACCESS_TOKEN_TYPE, { message: `must be ${ACCESS_TOKEN_TYPE}` }),
  requested_token_type: z.literal(ACCESS_TOKEN_TYPE, { message: `only ${ACCESS_TOKEN_TYPE} can be issued` }).optional(),
  audience: list.pipe(z.array(z.string().min(1).max(255)).min(1).max(10)).meta({ description: 'One or more; each must be allowed by the tenant policy' }),
  scope: z.string().max(1000).optional().meta({ description: 'Space-separated; each must be allowed by the tenant policy' }),
  resource: z.unknown().optional().meta({ description: 'Not supported: use audience' }),
});
export type ExchangeForm = z.output<typeof exchangeForm>;

export const exchangeResponse = z
  .object({
    access_token: z.string(),
    issued_token_type: z.literal(ACCESS_TOKEN_TYPE),
    token_type: z.string().meta({ example: 'Bearer' }),
    expires_in: z.number().int().optional(),
    scope: z.string().optional(),
  })
  .meta({ id: 'TokenExchangeResponse' });

export const oauthErrorSchema = (codes: readonly string[]) =>
  z.object({ error: z.enum(codes as [string, ...string[]]), error_description: z.string() });
