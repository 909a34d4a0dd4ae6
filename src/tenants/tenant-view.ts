// How a tenant is shown: its row, its policy and its service-account counts.
import { toPolicyResponse } from './tenant-policy.ts';
import type { ServiceAccountCounts, TenantPolicy, TenantRow } from './tenant-repository.ts';
import type { CreatedAdmin } from './use-cases/create-tenant.ts';

export function toTenantResponse(row: TenantRow, counts: ServiceAccountCounts, issuerBaseUrl: string) {
  return {
    realm: row.realm,
    display_name: row.displayName,
    origin: row.origin as 'registered' | 'created' | 'adopted',
    status: (row.status === 'deleted' ? 'deleting' : row.status) as 'provisioning' | 'active' | 'deleting',
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
    issuer: `${issuerBaseUrl}/realms/${encodeURIComponent(row.realm)}`,
    service_accounts: counts,
    policy: toPolicyResponse(row.realm, row as TenantPolicy),
  };
}

export function toCreatedAdmin(admin: CreatedAdmin) {
  return {
    id: admin.id,
    username: admin.username,
    email: admin.email,
    credential: admin.credential,
    email_sent: admin.emailSent,
    ...(admin.temporaryPassword && { temporary_password: admin.temporaryPassword }),
  };
}
