// Every operation of the API, in the order the document lists them.
import { apiKeyOperations } from '../api-keys/api-key-operations.ts';
import { auditOperations } from '../audit/audit-operations.ts';
import { healthOperations } from '../health/health-operations.ts';
import type { Operation } from '../http/operation.ts';
import { meOperations } from '../me/me-operations.ts';
import { serviceAccountOperations } from '../service-accounts/service-account-operations.ts';
import { tenantOperations } from '../tenants/tenant-operations.ts';
import { tokenExchangeOperations } from '../token-exchange/token-exchange-operations.ts';
import { webhookOperations } from '../webhooks/webhook-operations.ts';
import { openApiOperations } from './openapi-operations.ts';

export const apiOperations: readonly Operation[] = [
  ...Object.values(serviceAccountOperations),
  ...Object.values(apiKeyOperations),
  ...Object.values(meOperations),
  ...Object.values(auditOperations),
  ...Object.values(tenantOperations),
  ...Object.values(webhookOperations),
  ...Object.values(tokenExchangeOperations),
  ...Object.values(healthOperations),
  ...Object.values(openApiOperations),
] as readonly Operation[];
