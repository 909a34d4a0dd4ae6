import type { PrismaClient } from '../generated/prisma/client.ts';


export interface TenantRecord {
  realm: string;
  displayName: string;
}

export interface TenantPolicy {
  maxSecretAgeSeconds: number;
  maxGracePeriodSeconds: number;
  maxAccessTokenTtl: number;
  defaultAccessTokenTtl: number;
  allowedScopes: string[];
  allowedAudiences: string[];
  /** Allowed audiences whose resource client the bridge registered in the realm. */
  registeredAudiences: string[];
  /** Whether the tenant's service accounts may have API keys; off refuses existing keys too. */
  apiKeysAllowed: boolean;
  /** Longest API key lifetime in days; null: a key may be created without an expiry. */
  maxApiKeyLifetimeDays: number | null;
}

const policyFields = {
  maxSecretAgeSeconds: true,
  maxGracePeriodSeconds: true,
  maxAccessTokenTtl: true,
  defaultAccessTokenTtl: true,
  allowedScopes: true,
  allowedAudiences: true,
  registeredAudiences: true,
  apiKeysAllowed: true,
  maxApiKeyLifetimeDays: true,
} as const;

export function createTenantRepository(prisma: PrismaClient) {
  return {
    async upsertTenants(tenants: TenantRecord[]): Promise<void> {
      for (const t of tenants) {
        await prisma.tenant.upsert({
          where: { realm: t.realm },
          create: { realm: t.realm, displayName: t.displayName },
          update: { displayName: t.displayName },
        });
      }
    },
    async listRealms(): Promise<string[]> {
      const rows = await prisma.tenant.findMany({ select: { realm: true }, orderBy: { realm: 'asc' } });
      return rows.map((r) => r.realm);
    },
    async findPolicy(realm: string): Promise<TenantPolicy | null> {
      return prisma.tenant.findUnique({ where: { realm }, select: policyFields });
    },
    /** The tenants that have a scheduled rotation due now (the scheduler reads their policies first). */
    async realmsWithDueRotations(): Promise<string[]> {
      const rows = await prisma.$queryRaw<Array<{ tenant: string }>>`
        SELECT DISTINCT tenant FROM service_accounts WHERE rotation_enabled AND status = 'active' AND next_rotation_at <= now()`;
      return rows.map((r) => r.tenant);
    },
    async updatePolicy(realm: string, changes: Partial<TenantPolicy>): Promise<TenantPolicy> {
      return prisma.tenant.update({ where: { realm }, data: changes, select: policyFields });
    },
    async setRegisteredAudiences(realm: string, audiences: string[]): Promise<void> {
      await prisma.tenant.update({ where: { realm }, data: { registeredAudiences: audiences } });
    },
    async exchangeSecret(realm: string): Promise<string | null> {
      return (await prisma.tenant.findUnique({ where: { realm }, select: { exchangeClientSecretEnc: true } }))?.exchangeClientSecretEnc ?? null;
    },
    async setExchangeSecret(realm: string, sealed: string): Promise<void> {
      await prisma.tenant.update({ where: { realm }, data: { exchangeClientSecretEnc: sealed } });
    },
    async usageCursor(realm: string): Promise<Date | null> {
      return (await prisma.tenant.findUnique({ where: { realm }, select: { usageEventsSeenUntil: true } }))?.usageEventsSeenUntil ?? null;
    },
    async setUsageCursor(realm: string, until: Date): Promise<void> {
      await prisma.tenant.update({ where: { realm }, data: { usageEventsSeenUntil: until } });
    },
  };
}

export type TenantRepository = ReturnType<typeof createTenantRepository>;
