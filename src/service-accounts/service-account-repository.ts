import { Prisma, type PrismaClient, type ServiceAccount } from '../generated/prisma/client.ts';
import type { ServiceAccountMatch } from '../auth/service-account-identity.ts';
import type { Cursor } from '../lib/cursor.ts';
import { createWriteListeners } from '../db/write-listeners.ts';

export type ServiceAccountRow = ServiceAccount;
export type ServiceAccountStatus = ServiceAccount['status'];
/** Rows callers see: `failed` ones (their client was deleted by hand) too, so that they can be deleted. */
export const liveStatuses: ServiceAccountStatus[] = ['active', 'disabled', 'deleting', 'failed'];

export class NameTakenError extends Error {
  constructor(readonly serviceAccountName: string) {
    super(`a live service account is already named ${serviceAccountName}`);
    this.name = 'NameTakenError';
  }
}

export interface ListQuery {
  tenant: string;
  limit: number;
  after?: Cursor;
  q?: string;
  status?: 'active' | 'disabled' | 'failed';
  unusedSince?: Date;
}

function isUniqueViolation(error: unknown): boolean {
  // P2002 from Prisma; 23505 when the driver adapter reports PostgreSQL's code directly.
  if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') return true;
  const text = String((error as { message?: unknown })?.message ?? '');
  return text.includes('23505') || text.includes('Unique constraint');
}

export function createServiceAccountRepository(prisma: PrismaClient) {
  // Told after every write (and after a transaction commits), so that what this process remembers
  // of the rows (service-account-read-cache.ts) is dropped before the writer's caller hears back.
  const { onWrite, written } = createWriteListeners();

  return {
    onWrite,

    async insertProvisioning(data: Omit<Prisma.ServiceAccountUncheckedCreateInput, 'status'>): Promise<ServiceAccountRow> {
      try {
        return await written(prisma.serviceAccount.create({ data: { ...data, status: 'provisioning' } }));
      } catch (error) {
        if (isUniqueViolation(error)) throw new NameTakenError(data.name);
        throw error;
      }
    },

    /** Live rows only (provisioning ones do not exist for callers yet; deleted ones are gone). */
    async findLive(tenant: string, id: string): Promise<ServiceAccountRow | null> {
      return prisma.serviceAccount.findFirst({ where: { id, tenant, status: { in: liveStatuses } } });
    },

    /**
     * Runs on every authenticated request (service-account-identity.ts), so it is a raw query: it
     * skips Prisma's query compiler, which costs more CPU than the indexed read itself. Both
     * conditions are indexed: (tenant, keycloak_user_id) and (tenant, client_id).
     */
    async findByTokenSubject(tenant: string, subject: string, clientId: string | undefined): Promise<ServiceAccountMatch[]> {
      return prisma.$queryRaw<ServiceAccountMatch[]>`
        SELECT id, status::text AS status, client_id AS "clientId" FROM service_accounts
        WHERE tenant = ${tenant} AND (keycloak_user_id = ${subject} OR client_id = ${clientId ?? ''})`;
    },

    async list(query: ListQuery): Promise<ServiceAccountRow[]> {
      const where: Prisma.ServiceAccountWhereInput = {
        tenant: query.tenant,
        status: query.status ? query.status : { in: liveStatuses },
      };
      const and: Prisma.ServiceAccountWhereInput[] = [];
      if (query.unusedSince) {
        const cutoff = query.unusedSince;
        and.push({ OR: [{ lastUsedAt: { lt: cutoff } }, { lastUsedAt: null, createdAt: { lt: cutoff } }] });
      }
      if (query.q) {
        and.push(
          {
            OR: [
              { name: { contains: query.q, mode: 'insensitive' } },
              { description: { contains: query.q, mode: 'insensitive' } },
            ],
          },
        );
      }
      if (and.length > 0) where.AND = and;
      if (query.after) {
        where.OR = [
          { createdAt: { lt: query.after.time } },
          { createdAt: query.after.time, id: { lt: query.after.id } },
        ];
      }
      return prisma.serviceAccount.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: query.limit + 1 });
    },

    /** Compare-and-set on status so two concurrent requests cannot both move the same row. */
    async transition(
      id: string,
      from: ServiceAccountStatus[],
      data: Prisma.ServiceAccountUncheckedUpdateInput,
      tx: Prisma.TransactionClient | PrismaClient = prisma,
    ): Promise<ServiceAccountRow | null> {
      const result = await written(tx.serviceAccount.updateManyAndReturn({ where: { id, status: { in: from } }, data }));
      return result[0] ?? null;
    },

    async update(id: string, data: Prisma.ServiceAccountUncheckedUpdateInput, tx: Prisma.TransactionClient | PrismaClient = prisma) {
      return written(tx.serviceAccount.update({ where: { id }, data }));
    },

    async listLive(tenant: string): Promise<ServiceAccountRow[]> {
      return prisma.serviceAccount.findMany({ where: { tenant, status: { in: ['active', 'disabled'] } } });
    },

    /** Every row a tenant deletion must remove (all but deleted ones). */
    async listUndeleted(tenant: string): Promise<ServiceAccountRow[]> {
      return prisma.serviceAccount.findMany({ where: { tenant, status: { not: 'deleted' } } });
    },

    /** Live rows of users' and SAs' creations that the owner check reads, by owner. */
    async listLiveOwnedBy(tenant: string, ownerIds?: string[]): Promise<ServiceAccountRow[]> {
      return prisma.serviceAccount.findMany({
        where: { tenant, status: { in: ['active', 'disabled'] }, ...(ownerIds && { createdById: { in: ownerIds } }) },
      });
    },

    async findStuck(statuses: Array<'provisioning' | 'deleting'>, olderThan: Date): Promise<ServiceAccountRow[]> {
      return prisma.serviceAccount.findMany({ where: { status: { in: statuses }, updatedAt: { lt: olderThan } }, take: 500 });
    },

    async liveIdsAmong(tenant: string, ids: string[]): Promise<Set<string>> {
      if (ids.length === 0) return new Set();
      const rows = await prisma.serviceAccount.findMany({
        where: { tenant, id: { in: ids }, status: { in: [...liveStatuses, 'provisioning'] } },
        select: { id: true },
      });
      return new Set(rows.map((r) => r.id));
    },

    transaction<T>(fn: (tx: Prisma.TransactionClient) => Promise<T>, options?: { timeout?: number; maxWait?: number }): Promise<T> {
      return written(prisma.$transaction(fn, options));
    },

    /**
     * Within `tx`: locks up to `batch` SAs whose scheduled rotation is due, skipping rows another
     * bridge holds (`FOR UPDATE SKIP LOCKED`), so each rotation happens once across processes.
     */
    async claimDueRotations(tx: Prisma.TransactionClient, batch: number): Promise<ServiceAccountRow[]> {
      const claimed = await tx.$queryRaw<Array<{ id: string }>>`
        SELECT id FROM service_accounts
        WHERE rotation_enabled AND status = 'active' AND next_rotation_at <= now()
        ORDER BY next_rotation_at
        LIMIT ${batch}
        FOR UPDATE SKIP LOCKED`;
      if (claimed.length === 0) return [];
      return tx.serviceAccount.findMany({ where: { id: { in: claimed.map((c) => c.id) } }, orderBy: { nextRotationAt: 'asc' } });
    },

    /** Live SAs whose secret expires within `days` (candidates for an expiry notice). */
    async listExpiringWithin(days: number, now: Date, limit = 500): Promise<ServiceAccountRow[]> {
      return prisma.serviceAccount.findMany({
        where: { status: { in: ['active', 'disabled'] }, secretExpiresAt: { lt: new Date(now.getTime() + days * 86_400_000) } },
        take: limit,
      });
    },

    /**
     * Compare-and-set of the notice stage: succeeds only if neither the stage nor the secret's
     * expiry changed since `row` was read, so each notice goes once however many bridges run.
     */
    async claimExpiryNotice(tx: Prisma.TransactionClient, row: Pick<ServiceAccountRow, 'id' | 'expiryNoticeSent' | 'secretExpiresAt'>, stage: number): Promise<boolean> {
      const { count } = await written(
        tx.serviceAccount.updateMany({
          where: { id: row.id, expiryNoticeSent: row.expiryNoticeSent, secretExpiresAt: row.secretExpiresAt },
          data: { expiryNoticeSent: stage },
        }),
      );
      return count === 1;
    },

    /** Moves last_used_at forward (never back) for a client of the tenant; returns rows changed. */
    async recordLastUsed(tenant: string, clientId: string, time: Date): Promise<number> {
      const { count } = await written(
        prisma.serviceAccount.updateMany({
          where: { tenant, clientId, OR: [{ lastUsedAt: null }, { lastUsedAt: { lt: time } }] },
          data: { lastUsedAt: time },
        }),
      );
      return count;
    },
  };
}

export type ServiceAccountRepository = ReturnType<typeof createServiceAccountRepository>;
