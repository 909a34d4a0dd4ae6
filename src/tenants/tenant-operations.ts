import { defineOperation } from '../http/operation.ts';
import { tenantParams, tenantPolicyResponse, updateTenantPolicyBody } from './tenant-schemas.ts';

const tags = ['Tenants'];

export const tenantOperations = {
  getPolicy: defineOperation({
    method: 'get',
    path: '/v1/tenants/{realm}/policy',
    operationId: 'getTenantPolicy',
    summary: "Read a tenant's policy",
    description: 'tenant-admin of that tenant, or cpi-admin.',
    tags,
    access: ['tenant-admin', 'cpi-admin'],
    request: { params: tenantParams },
    responses: { 200: { description: 'The policy', schema: tenantPolicyResponse } },
    errors: ['insufficient_role', 'tenant_not_found'],
  }),
  updatePolicy: defineOperation({
    method: 'patch',
    path: '/v1/tenants/{realm}/policy',
    operationId: 'updateTenantPolicy',
    summary: "Change a tenant's policy",
    description: 'Pushed to Keycloak (secret rotation, exchange client, audience clients); every live SA is re-clamped to it.',
    tags,
    access: ['cpi-admin'],
    request: { params: tenantParams, body: updateTenantPolicyBody, bodyRequired: true, bodyExample: { max_access_token_ttl: 600, allowed_audiences: ['billing-api'] } },
    responses: { 200: { description: 'The policy in force', schema: tenantPolicyResponse } },
    errors: ['insufficient_role', 'tenant_not_found', 'keycloak_rejected'],
  }),
};
