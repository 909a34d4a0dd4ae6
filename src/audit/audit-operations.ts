import { defineOperation } from '../http/operation.ts';
import { auditEventListResponse, auditEventsQuery } from './audit-schemas.ts';

export const auditOperations = {
  list: defineOperation({
    method: 'get',
    path: '/v1/audit-events',
    operationId: 'listAuditEvents',
    summary: "Read the tenant's audit trail",
    description: 'Every create, change, rotation, deletion, refusal and exchange, newest first. Denied requests appear in the trail of the caller\'s own tenant.',
    tags: ['Audit'],
    access: ['tenant-admin', 'cpi-admin'],
    request: { query: auditEventsQuery },
    responses: { 200: { description: 'A page of audit events', schema: auditEventListResponse } },
    errors: ['insufficient_role', 'tenant_not_found', 'invalid_cursor'],
  }),
};
