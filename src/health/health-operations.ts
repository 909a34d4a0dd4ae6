import { z } from 'zod';
import { defineOperation } from '../http/operation.ts';

const tags = ['Operations'];

export const healthOperations = {
  healthz: defineOperation({
    method: 'get',
    path: '/healthz',
    operationId: 'getHealth',
    summary: 'Liveness: the process answers',
    tags,
    access: 'public',
    responses: { 200: { description: 'Alive', schema: z.object({ status: z.literal('ok') }) } },
    errors: [],
  }),
  readyz: defineOperation({
    method: 'get',
    path: '/readyz',
    operationId: 'getReadiness',
    summary: 'Readiness: the database and Keycloak answer, and the process is not shutting down',
    tags,
    access: 'public',
    responses: {
      200: { description: 'Ready', schema: z.object({ status: z.literal('ready'), checks: z.record(z.string(), z.literal('up')) }) },
      503: {
        description: 'Not ready: a dependency is down (`not_ready`), or the process is shutting down (`draining`: no checks are run, `checks` is empty)',
        schema: z.object({ status: z.enum(['not_ready', 'draining']), checks: z.record(z.string(), z.enum(['up', 'down'])) }),
      },
    },
    errors: [],
  }),
  metrics: defineOperation({
    method: 'get',
    path: '/metrics',
    operationId: 'getMetrics',
    summary: 'Prometheus metrics',
    tags,
    access: 'public',
    responses: { 200: { description: 'Prometheus text exposition format', contentType: 'text/plain', schema: z.string() } },
    errors: [],
  }),
};
