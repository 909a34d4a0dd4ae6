import type { PrismaClient } from '../generated/prisma/client.ts';

export interface TenantRecord {
  realm: string;
  displayName: string;
}

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
    async findTenant(realm: string): Promise<TenantRecord | null> {
      return prisma.tenant.findUnique({ where: { realm }, select: { realm: true, displayName: true } });
    },
  };
}

export type TenantRepository = ReturnType<typeof createTenantRepository>;
