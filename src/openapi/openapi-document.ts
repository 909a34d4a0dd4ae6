// The OpenAPI 3.1 document, generated with zod-openapi from the operation declarations
// (src/*/…-operations.ts) and the error-code registry: the zod schemas that validate requests and
// type responses are the ones published. Nothing here describes a route by hand.
import { z } from 'zod';
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject, type ZodOpenApiResponsesObject } from 'zod-openapi';
import { errorCodes, type ErrorCode } from '../errors/error-codes.ts';
import { problemSchema } from '../errors/problem-schema.ts';
import type { Operation } from '../http/operation.ts';
import { oauthErrorSchema } from '../token-exchange/token-exchange-schemas.ts';

const requestIdHeader = z.object({
  'X-Request-Id': z.string().meta({ description: "The request's id: a problem's `instance`, and on every log line of the request" }),
});
const retryAfterHeader = z.object({ 'Retry-After': z.string().meta({ description: 'Seconds to wait before retrying' }) });
const challengeHeader = z.object({ 'WWW-Authenticate': z.string().meta({ description: 'RFC 6750 Bearer challenge', example: 'Bearer error="invalid_token"' }) });

/** The problem codes an operation can answer with: its own and those of every operation of its kind. */
export function problemCodesOf(operation: Operation): ErrorCode[] {
  const codes = new Set<ErrorCode>(operation.errors);
  codes.add('internal_error');
  const request = operation.request ?? {};
  if (request.body || request.query || request.params || request.headers) codes.add('invalid_request');
  if (operation.access !== 'public') {
    // rate_limited: requests made with an API key are limited per key, and every change per caller.
    for (const code of ['invalid_token', 'rate_limited', 'keycloak_unavailable', 'database_unavailable'] as const) codes.add(code);
  }
  // Every /v1 POST and PATCH passes the JSON body stack (require-json, express.json).
  if (!operation.oauthErrors && operation.path.startsWith('/v1/') && (operation.method === 'post' || operation.method === 'patch')) {
    for (const code of ['malformed_json', 'payload_too_large', 'unsupported_media_type', 'invalid_request'] as const) codes.add(code);
  }
  return [...codes];
}

function headersFor(status: number, codes: readonly ErrorCode[] | undefined, extra?: z.ZodObject) {
  let headers = requestIdHeader as z.ZodObject;
  if (status === 401) headers = headers.extend(challengeHeader.shape);
  if (status === 429 || status === 503) headers = headers.extend(retryAfterHeader.shape);
  // A 409 carries it only for a request still running under the same Idempotency-Key.
  else if (codes?.includes('idempotency_request_in_progress')) headers = headers.extend({ 'Retry-After': retryAfterHeader.shape['Retry-After'].optional() });
  return extra ? headers.extend(extra.shape) : headers;
}

function responsesOf(operation: Operation): ZodOpenApiResponsesObject {
  const responses: ZodOpenApiResponsesObject = {};
  for (const [status, response] of Object.entries(operation.responses)) {
    const contentType = response.contentType ?? 'application/json';
    responses[status as `2${string}`] = {
      description: response.description,
      headers: headersFor(Number(status), undefined, response.headers),
      ...(response.schema && { content: { [contentType]: { schema: response.schema, ...(response.example !== undefined && { example: response.example }) } } }),
      ...(response.links && { links: response.links }),
    };
  }
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of problemCodesOf(operation)) {
    if (operation.oauthErrors && code !== 'internal_error') continue;
    const status = errorCodes[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  for (const [status, codes] of byStatus) {
    responses[String(status) as `4${string}`] = {
      description: codes.map((code) => `\`${code}\`: ${errorCodes[code].title}`).join('; '),
      headers: headersFor(status, codes),
      content: { 'application/problem+json': { schema: problemSchema(codes) } },
    };
  }
  for (const [status, codes] of Object.entries(operation.oauthErrors ?? {})) {
    responses[status as `4${string}`] = {
      description: `RFC 6749 error: ${codes.join(', ')}`,
      headers: headersFor(Number(status), undefined, z.object({ 'Cache-Control': z.literal('no-store') })),
      content: { 'application/json': { schema: oauthErrorSchema(codes) } },
    };
  }
  return responses;
}

function operationObject(operation: Operation): ZodOpenApiOperationObject {
  const request = operation.request ?? {};
  const who = operation.access === 'public' ? 'No bearer token.' : `Roles: ${operation.access.join(', ')}.`;
  return {
    operationId: operation.operationId,
    summary: operation.summary,
    description: [operation.description, who].filter(Boolean).join('\n\n'),
    tags: operation.tags,
    'x-roles': operation.access === 'public' ? [] : [...operation.access],
    security: operation.access === 'public' ? [] : [{ bearerAuth: [] }, { apiKeyAuth: [] }],
    ...((request.params || request.query || request.headers) && {
      requestParams: {
        ...(request.params && { path: request.params as z.ZodObject }),
        ...(request.query && { query: request.query as z.ZodObject }),
        ...(request.headers && { header: request.headers as z.ZodObject }),
      },
    }),
    ...(request.body && {
      requestBody: {
        required: request.bodyRequired ?? false,
        content: {
          [request.bodyType ?? 'application/json']: {
            schema: request.body,
            ...(request.bodyExample !== undefined && { example: request.bodyExample }),
          },
        },
      },
    }),
    responses: responsesOf(operation),
  };
}

export function buildOpenApiDocument(operations: readonly Operation[], info: { version: string }) {
  const paths: ZodOpenApiPathsObject = {};
  for (const operation of operations) {
    paths[operation.path] = { ...paths[operation.path], [operation.method]: operationObject(operation) };
  }
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'sa-bridge',
      version: info.version,
      description:
        'Control plane for machine-to-machine service accounts on Keycloak. Bearer tokens come from a tenant realm of the configured Keycloak and must carry the bridge audience, or are a service account\'s API key (`sab_…`); errors are RFC 9457 problem+json with a stable `code`.',
    },
    tags: [...new Set(operations.flatMap((o) => o.tags))].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'An access token from a tenant realm (portal users, service accounts)' },
        apiKeyAuth: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'sab_ API key',
          description: "A service account's API key (`sab_` + 32 base62 characters + `_` + a 6-character CRC32 checksum): acts as that service account, with its role",
        },
      },
    },
  });
}
