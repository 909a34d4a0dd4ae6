import type { Prisma, PrismaClient, Tenant } from '../generated/prisma/client.ts';
import { createWriteListeners } from '../db/write-listeners.ts';

export interface TenantRecord {
  realm: string;
  displayName: string;
}

export type TenantRow = Tenant;
export type TenantOrigin = 'registered' | 'created' | 'adopted';
export type OwnerChangePolicy = 'downgrade' | 'disable' | 'keep';

/** Service accounts of a tenant by status (deleted ones are not counted). */
export type ServiceAccountCounts = Record<'active' | 'disabled' | 'failed' | 'provisioning' | 'deleting', number>;

export class TenantExistsError extends Error {
  constructor(readonly realm: string) {
    super(`a tenant ${realm} already exists`);
    this.name = 'TenantExistsError';
  }
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
  /** What happens to an SA whose creator lost its role in Keycloak. */
  onOwnerChange: OwnerChangePolicy;
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
  onOwnerChange: true,
  apiKeysAllowed: true,
  maxApiKeyLifetimeDays: true,
} as const;

const emptyCounts = (): ServiceAccountCounts => ({ active: 0, disabled: 0, failed: 0, provisioning: 0, deleting: 0 });

export function createTenantRepository(prisma: PrismaClient) {
  // Told after a policy change, so that what this process remembers of the policy (API key
  // credentials, api-key-credential-cache.ts) is dropped before the caller hears back.
  const { onWrite, written } = createWriteListeners();

  return {
    onWrite,

    /**
     * Registers realms found at start. A tenant that was deleted or released stays so: the realm
     * comes back only through POST /v1/tenants. Returns the realms that are active tenants.
     */
    async upsertTenants(tenants: TenantRecord[]): Promise<string[]> {
      if (tenants.length === 0) return [];
      // INSERT … ON CONFLICT DO NOTHING: replicas starting together register the same realms, and
      // Prisma's upsert here (a read, then an insert) failed on tenants_pkey for all but one.
      await prisma.tenant.createMany({ data: tenants.map((t) => ({ realm: t.realm, displayName: t.displayName })), skipDuplicates: true });
      const rows = await prisma.tenant.findMany({ where: { realm: { in: tenants.map((t) => t.realm) } }, select: { realm: true, status: true } });
      const active = new Set(rows.filter((row) => row.status === 'active').map((row) => row.realm));
      return tenants.map((t) => t.realm).filter((realm) => active.has(realm));
    },
    /** Active tenants: the realms the bridge serves. */
    async listRealms(): Promise<string[]> {
      const rows = await prisma.tenant.findMany({ where: { status: 'active' }, select: { realm: true }, orderBy: { realm: 'asc' } });
      return rows.map((r) => r.realm);
    },
    /** The policy of an active tenant, or of one being created (its realm is being configured). */
    async findPolicy(realm: string): Promise<TenantPolicy | null> {
      return (await prisma.tenant.findFirst({ where: { realm, status: { in: ['active', 'provisioning'] } }, select: policyFields })) as TenantPolicy | null;
    },
    /** Tenants left `provisioning` or `deleting` longer than `olderThan` ago (a crash mid-way). */
    async findStuckTenants(olderThan: Date): Promise<TenantRow[]> {
      return prisma.tenant.findMany({ where: { status: { in: ['provisioning', 'deleting'] }, updatedAt: { lt: olderThan } } });
    },
    transaction<T>(fn: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T> {
      return prisma.$transaction(fn);
    },
    /** A tenant that is not deleted (provisioning, active or deleting). */
    async findTenant(realm: string): Promise<TenantRow | null> {
      return prisma.tenant.findFirst({ where: { realm, status: { not: 'deleted' } } });
    },
    /** Tenants in realm order after `afterRealm`, at most `limit` + 1 (to know whether more follow). */
    async listTenants(limit: number, afterRealm: string | undefined): Promise<TenantRow[]> {
      return prisma.tenant.findMany({
        where: { status: { not: 'deleted' }, ...(afterRealm !== undefined && { realm: { gt: afterRealm } }) },
        orderBy: { realm: 'asc' },
        take: limit + 1,
      });
    },
    async serviceAccountCounts(realms: string[]): Promise<Map<string, ServiceAccountCounts>> {
      const counts = new Map(realms.map((realm) => [realm, emptyCounts()]));
      if (realms.length === 0) return counts;
      const rows = await prisma.serviceAccount.groupBy({ by: ['tenant', 'status'], where: { tenant: { in: realms }, status: { not: 'deleted' } }, _count: { _all: true } });
      for (const row of rows) {
        const entry = counts.get(row.tenant);
        if (entry && row.status !== 'deleted') entry[row.status] = row._count._all;
      }
      return counts;
    },
    /**
     * Claims a realm name for a tenant being made (`provisioning`): a new row, or a deleted one
     * taken again with the defaults. Throws TenantExistsError when a live tenant has the name.
     */
    async claimTenant(realm: string, data: { displayName: string; origin: TenantOrigin; policy?: Partial<TenantPolicy> }): Promise<TenantRow> {
      const fresh = {
        displayName: data.displayName,
        origin: data.origin,
        status: 'provisioning',
        deletedAt: null,
        exchangeClientSecretEnc: null,
        usageEventsSeenUntil: null,
        adminEventsSeenUntil: null,
        registeredAudiences: [],
        ...data.policy,
      };
      const reclaimed = await prisma.tenant.updateManyAndReturn({ where: { realm, status: 'deleted' }, data: { ...fresh, createdAt: new Date() } });
      if (reclaimed[0]) return reclaimed[0];
      try {
        return await prisma.tenant.create({ data: { realm, ...fresh } });
      } catch {
        throw new TenantExistsError(realm);
      }
    },
    /** Compare-and-set of a tenant's status; null when it was not in `from`. */
    async transitionTenant(
      realm: string,
      from: string[],
      to: 'active' | 'deleting' | 'deleted',
      data: { displayName?: string } = {},
      tx: Prisma.TransactionClient | PrismaClient = prisma,
    ): Promise<TenantRow | null> {
      const rows = await tx.tenant.updateManyAndReturn({
        where: { realm, status: { in: from } },
        data: { status: to, ...data, ...(to === 'deleted' && { deletedAt: new Date() }) },
      });
      return rows[0] ?? null;
    },
    async updateTenant(realm: string, data: { displayName?: string }): Promise<TenantRow> {
      return prisma.tenant.update({ where: { realm }, data });
    },
    /**
     * Claims the tenant for one periodic reconciler pass: true unless another process (or this
     * one) claimed it less than `windowMs` ago, so replicas do not all check every client.
     */
    async claimReconcilePass(realm: string, windowMs: number): Promise<boolean> {
      const { count } = await prisma.tenant.updateMany({
        where: { realm, OR: [{ reconciledAt: null }, { reconciledAt: { lte: new Date(Date.now() - windowMs) } }] },
        data: { reconciledAt: new Date() },
      });
      return count === 1;
    },
    async adminEventsCursor(realm: string): Promise<Date | null> {
      return (await prisma.tenant.findUnique({ where: { realm }, select: { adminEventsSeenUntil: true } }))?.adminEventsSeenUntil ?? null;
    },
    async setAdminEventsCursor(realm: string, until: Date): Promise<void> {
      await prisma.tenant.update({ where: { realm }, data: { adminEventsSeenUntil: until } });
    },
    /** The tenants that have a scheduled rotation due now (the scheduler reads their policies first). */
    async realmsWithDueRotations(): Promise<string[]> {
      const rows = await prisma.$queryRaw<Array<{ tenant: string }>>`
        SELECT DISTINCT tenant FROM service_accounts WHERE rotation_enabled AND status = 'active' AND next_rotation_at <= now()`;
      return rows.map((r) => r.tenant);
    },
    async updatePolicy(realm: string, changes: Partial<TenantPolicy>): Promise<TenantPolicy> {
      return (await written(prisma.tenant.update({ where: { realm }, data: changes, select: policyFields }))) as TenantPolicy;
    },
    async setRegisteredAudiences(realm: string, audiences: string[]): Promise<void> {
      await prisma.tenant.update({ where: { realm }, data: { registeredAudiences: audiences } });
    },
    async exchangeSecret(realm: string): Promise<string | null> {
      return (await prisma.tenant.findUnique({ where: { realm }, select: { exchangeClientSecretEnc: true } }))?.exchangeClientSecretEnc ?? null;
    },
    /**
     * Runs `configure` holding the realm's setup lock, across every replica: configuring a realm
     * reads Keycloak's state and then creates what is missing (clients, mappers, client profiles),
     * so two at once both create and one gets 409 (replicas starting together on a new realm did,
     * and exited). A PostgreSQL advisory lock held by a transaction that does nothing else.
     */
    async whileConfiguringRealm<T>(realm: string, configure: () => Promise<T>): Promise<T> {
      return prisma.$transaction(
        async (tx) => {
          await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`sa-bridge realm setup:${realm}`}))`;
          return configure();
        },
        // Each Keycloak call has its own timeout; this only bounds a wait behind another replica.
        { timeout: 300_000, maxWait: 10_000 },
      );
    },
    /**
     * Compare-and-set: stores `sealed` only if the column still holds `replacing` (null: none yet),
     * so replicas making the secret at once keep the first one written; returns what is stored.
     */
    async replaceExchangeSecret(realm: string, replacing: string | null, sealed: string): Promise<string | null> {
      await prisma.tenant.updateMany({ where: { realm, exchangeClientSecretEnc: replacing }, data: { exchangeClientSecretEnc: sealed } });
      return (await prisma.tenant.findUnique({ where: { realm }, select: { exchangeClientSecretEnc: true } }))?.exchangeClientSecretEnc ?? null;
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
