// The service-account operations of the published contract: mounted by service-account-routes.ts
// and rendered into /openapi.json from these same declarations.
import { z } from 'zod';
import { defineOperation, type OperationLink } from '../http/operation.ts';
import { idempotencyKeyHeaders } from '../idempotency/idempotency-service.ts';
import {
  createServiceAccountBody,
  listServiceAccountsQuery,
  regenerateSecretBody,
  serviceAccountIdParams,
  serviceAccountListResponse,
  serviceAccountResponse,
  serviceAccountWithSecretResponse,
  tenantQuery,
  updateServiceAccountBody,
} from './service-account-schemas.ts';

const tags = ['Service accounts'];
const readers = ['viewer', 'devops', 'tenant-admin', 'cpi-admin'] as const;
const writers = ['devops', 'tenant-admin', 'cpi-admin'] as const;
const noStore = z.object({ 'Cache-Control': z.literal('no-store') });

/** From a created SA to what can be done with it next (stateful clients and fuzzers follow these). */
const byId = (operationId: string, description: string): OperationLink => ({ operationId, parameters: { id: '$response.body#/id' }, description });
const nextSteps = {
  GetServiceAccount: byId('getServiceAccount', 'Read the service account'),
  UpdateServiceAccount: byId('updateServiceAccount', 'Change it: description, enabled, rotation, token shape'),
  RegenerateSecret: byId('regenerateSecret', 'Rotate its secret'),
  DeleteServiceAccount: byId('deleteServiceAccount', 'Delete it'),
};

const example = {
  name: 'ci-pipeline',
  description: 'CI/CD deployments',
  rotation: { enabled: true, interval_days: 30, grace_period_hours: 24 },
  access_token_ttl: 300,
};

export const serviceAccountOperations = {
  create: defineOperation({
    method: 'post',
    path: '/v1/service-accounts',
    operationId: 'createServiceAccount',
    summary: 'Create a service account',
    description:
      'A confidential Keycloak client that can only use client_credentials, in the caller\'s tenant (cpi-admin: `?tenant=`). It gets the caller\'s role, or a lower one on request. The secret is in this answer only.',
    tags,
    access: writers,
    request: { body: createServiceAccountBody, bodyRequired: true, bodyExample: example, query: tenantQuery, headers: idempotencyKeyHeaders },
    responses: {
      201: {
        description: 'Created; `client_secret` is shown once',
        schema: serviceAccountWithSecretResponse,
        headers: noStore.extend({
          Location: z.string().meta({ description: 'The new service account' }),
          'Idempotent-Replayed': z.literal('true').optional().meta({ description: 'Present when this is the stored answer to an earlier request with the same Idempotency-Key' }),
        }),
        links: nextSteps,
      },
    },
    errors: ['insufficient_role', 'role_escalation', 'tenant_not_found', 'name_taken', 'idempotency_request_in_progress', 'idempotency_key_reused', 'keycloak_rejected'],
  }),

  list: defineOperation({
    method: 'get',
    path: '/v1/service-accounts',
    operationId: 'listServiceAccounts',
    summary: 'List service accounts, newest first',
    tags,
    access: readers,
    request: { query: listServiceAccountsQuery },
    responses: { 200: { description: 'A page of service accounts', schema: serviceAccountListResponse } },
    errors: ['insufficient_role', 'tenant_not_found', 'invalid_cursor'],
  }),

  get: defineOperation({
    method: 'get',
    path: '/v1/service-accounts/{id}',
    operationId: 'getServiceAccount',
    summary: 'Read a service account (never its secret)',
    tags,
    access: readers,
    request: { params: serviceAccountIdParams, query: tenantQuery },
    responses: { 200: { description: 'The service account', schema: serviceAccountResponse } },
    errors: ['insufficient_role', 'tenant_not_found', 'service_account_not_found'],
  }),

  update: defineOperation({
    method: 'patch',
    path: '/v1/service-accounts/{id}',
    operationId: 'updateServiceAccount',
    summary: 'Change a service account',
    description:
      'Description, enabled (disabling refuses its live tokens at once), automatic rotation, and token shape (lifetime, scopes, claims, audience), each within the tenant policy. devops may change only the SAs it created.',
    tags,
    access: writers,
    request: { params: serviceAccountIdParams, query: tenantQuery, body: updateServiceAccountBody, bodyRequired: true, bodyExample: { enabled: false } },
    responses: { 200: { description: 'The changed service account', schema: serviceAccountResponse } },
    errors: ['insufficient_role', 'tenant_not_found', 'service_account_not_found', 'invalid_state', 'keycloak_rejected'],
  }),

  remove: defineOperation({
    method: 'delete',
    path: '/v1/service-accounts/{id}',
    operationId: 'deleteServiceAccount',
    summary: 'Delete a service account',
    description: 'Deletes the Keycloak client: its secret and every token about it stop working. The name is free again.',
    tags,
    access: writers,
    request: { params: serviceAccountIdParams, query: tenantQuery },
    responses: { 204: { description: 'Deleted' } },
    errors: ['insufficient_role', 'tenant_not_found', 'service_account_not_found'],
  }),

  regenerateSecret: defineOperation({
    method: 'post',
    path: '/v1/service-accounts/{id}/regenerate-secret',
    operationId: 'regenerateSecret',
    summary: 'Rotate the secret',
    description:
      'A new secret, shown once. With `grace_period` (seconds, up to the tenant maximum) the previous secret keeps working until `previous_secret_expires_at`; without, it stops at once.',
    tags: ['Secrets'],
    access: writers,
    request: { params: serviceAccountIdParams, query: tenantQuery, body: regenerateSecretBody, bodyExample: { grace_period: 3600 } },
    responses: {
      200: {
        description: 'The new secret, shown once',
        schema: serviceAccountWithSecretResponse,
        headers: noStore,
        links: { EndGracePeriod: byId('endGracePeriod', 'End the grace period of the previous secret') },
      },
    },
    errors: ['insufficient_role', 'tenant_not_found', 'service_account_not_found', 'invalid_state'],
  }),

  endGracePeriod: defineOperation({
    method: 'delete',
    path: '/v1/service-accounts/{id}/previous-secret',
    operationId: 'endGracePeriod',
    summary: 'End a grace period now',
    description: 'The previous secret stops working at once.',
    tags: ['Secrets'],
    access: writers,
    request: { params: serviceAccountIdParams, query: tenantQuery },
    responses: { 200: { description: 'The service account, without a previous secret', schema: serviceAccountResponse } },
    errors: ['insufficient_role', 'tenant_not_found', 'service_account_not_found', 'invalid_state'],
  }),
};
