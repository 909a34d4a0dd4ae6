import { z } from 'zod';
import { defineOperation, type OperationLink } from '../http/operation.ts';
import {
  createWebhookBody,
  deliveryListResponse,
  deliveryResponse,
  rotateWebhookSecretBody,
  webhookDeliveryParams,
  webhookIdParams,
  webhookListQuery,
  webhookListResponse,
  webhookWithSecretResponse,
} from './webhook-schemas.ts';

const tags = ['Webhooks'];
const admins = ['tenant-admin', 'cpi-admin'] as const;
const noStore = z.object({ 'Cache-Control': z.literal('no-store') });
const byId = (operationId: string): OperationLink => ({ operationId, parameters: { id: '$response.body#/id' } });

export const webhookOperations = {
  create: defineOperation({
    method: 'post',
    path: '/v1/webhooks',
    operationId: 'createWebhook',
    summary: 'Register a webhook endpoint',
    description: 'https and public addresses only (checked again when each delivery connects). The signing secret is shown once.',
    tags,
    access: admins,
    request: {
      body: createWebhookBody,
      bodyRequired: true,
      bodyExample: { url: 'https://hooks.example.com/sa-bridge', events: ['service_account.created', 'service_account.secret_expiring'] },
      query: webhookListQuery,
    },
    responses: {
      201: {
        description: 'Registered; `signing_secret` is shown once',
        schema: webhookWithSecretResponse,
        headers: noStore.extend({ Location: z.string() }),
        links: { ListDeliveries: byId('listWebhookDeliveries'), PingWebhook: byId('pingWebhook'), RotateWebhookSecret: byId('rotateWebhookSecret'), DeleteWebhook: byId('deleteWebhook') },
      },
    },
    errors: ['insufficient_role', 'tenant_not_found'],
  }),
  list: defineOperation({
    method: 'get',
    path: '/v1/webhooks',
    operationId: 'listWebhooks',
    summary: "The tenant's webhook endpoints",
    tags,
    access: admins,
    request: { query: webhookListQuery },
    responses: { 200: { description: 'Endpoints, newest first', schema: webhookListResponse } },
    errors: ['insufficient_role', 'tenant_not_found'],
  }),
  deliveries: defineOperation({
    method: 'get',
    path: '/v1/webhooks/{id}/deliveries',
    operationId: 'listWebhookDeliveries',
    summary: "An endpoint's latest deliveries and their outcome",
    tags,
    access: admins,
    request: { params: webhookIdParams, query: webhookListQuery },
    responses: { 200: { description: 'The latest 50 deliveries', schema: deliveryListResponse } },
    errors: ['insufficient_role', 'tenant_not_found', 'not_found'],
  }),
  rotateSecret: defineOperation({
    method: 'post',
    path: '/v1/webhooks/{id}/rotate-secret',
    operationId: 'rotateWebhookSecret',
    summary: 'Rotate the signing secret',
    description: 'During `overlap_seconds` (default one day) deliveries carry signatures with both secrets.',
    tags,
    access: admins,
    request: { params: webhookIdParams, query: webhookListQuery, body: rotateWebhookSecretBody, bodyExample: { overlap_seconds: 86400 } },
    responses: { 200: { description: 'The new secret, shown once', schema: webhookWithSecretResponse, headers: noStore } },
    errors: ['insufficient_role', 'tenant_not_found', 'not_found', 'invalid_state'],
  }),
  ping: defineOperation({
    method: 'post',
    path: '/v1/webhooks/{id}/ping',
    operationId: 'pingWebhook',
    summary: 'Queue a test delivery (webhook.ping)',
    tags,
    access: admins,
    request: { params: webhookIdParams, query: webhookListQuery },
    responses: { 202: { description: 'Queued', schema: deliveryResponse } },
    errors: ['insufficient_role', 'tenant_not_found', 'not_found'],
  }),
  redeliver: defineOperation({
    method: 'post',
    path: '/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver',
    operationId: 'redeliverWebhookDelivery',
    summary: 'Send a finished delivery again',
    description: 'It keeps its id, so receivers can recognise a message they already handled.',
    tags,
    access: admins,
    request: { params: webhookDeliveryParams, query: webhookListQuery },
    responses: { 202: { description: 'Queued again', schema: deliveryResponse } },
    errors: ['insufficient_role', 'tenant_not_found', 'not_found', 'invalid_state'],
  }),
  remove: defineOperation({
    method: 'delete',
    path: '/v1/webhooks/{id}',
    operationId: 'deleteWebhook',
    summary: 'Remove a webhook endpoint',
    tags,
    access: admins,
    request: { params: webhookIdParams, query: webhookListQuery },
    responses: { 204: { description: 'Removed; pending deliveries are dropped' } },
    errors: ['insufficient_role', 'tenant_not_found', 'not_found'],
  }),
};
