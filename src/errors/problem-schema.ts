// The RFC 9457 problem+json body as a zod schema, for the published contract: one schema per set
// of codes, so each response documents exactly the codes it can carry.
import { z } from 'zod';
import { errorCodes, type ErrorCode } from './error-codes.ts';

export const fieldErrorSchema = z.object({
  path: z.string().meta({ description: 'Where the bad value is: body.name, query.limit, params.id, headers.idempotency-key', example: 'body.name' }),
  message: z.string(),
}).meta({ id: 'FieldError' });

export function problemSchema(codes: readonly ErrorCode[]) {
  const statuses = [...new Set(codes.map((code) => errorCodes[code].status))];
  return z.object({
    type: z.string().meta({ description: 'urn:sa-bridge:problem:<code with dashes>', example: 'urn:sa-bridge:problem:invalid-request' }),
    title: z.string(),
    status: z.literal(statuses),
    detail: z.string(),
    instance: z.string().optional().meta({ description: 'The request id, also sent as X-Request-Id and written on every log line of the request' }),
    code: z.enum(codes as [ErrorCode, ...ErrorCode[]]).meta({ description: 'Stable machine-readable code (src/errors/error-codes.ts)' }),
    errors: z.array(fieldErrorSchema).optional().meta({ description: 'Each bad field, for invalid_request' }),
  });
}
