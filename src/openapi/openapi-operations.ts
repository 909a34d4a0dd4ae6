import { z } from 'zod';
import { defineOperation } from '../http/operation.ts';

const tags = ['Contract'];

export const openApiOperations = {
  document: defineOperation({
    method: 'get',
    path: '/openapi.json',
    operationId: 'getOpenApiDocument',
    summary: 'This API, as an OpenAPI 3.1 document',
    tags,
    access: 'public',
    responses: { 200: { description: 'The document', schema: z.record(z.string(), z.unknown()) } },
    errors: [],
  }),
  docs: defineOperation({
    method: 'get',
    path: '/docs',
    operationId: 'getDocs',
    summary: 'The API reference, rendered from /openapi.json',
    tags,
    access: 'public',
    responses: { 200: { description: 'An HTML page (Swagger UI, served by the bridge itself)', contentType: 'text/html', schema: z.string() } },
    errors: [],
  }),
};
