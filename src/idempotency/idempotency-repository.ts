// Every query of Idempotency-Key records. The stored response is ciphertext (idempotency-service.ts).
import { Prisma, type IdempotencyKey, type PrismaClient } from '../generated/prisma/client.ts';

export interface IdempotencyScope {
  tenant: string;
  actorId: string;
  key: string;
}

export type IdempotencyRecord = IdempotencyKey;

export type IdempotencyRepository = ReturnType<typeof createIdempotencyRepository>;

export function createIdempotencyRepository(prisma: PrismaClient) {
  return {
    /** Inserts an in-progress record; false when the key is already taken in this scope. */
    async insertInProgress(record: { id: string; scope: IdempotencyScope; requestHash: string; createdAt: Date; expiresAt: Date }): Promise<boolean> {
      try {
        await prisma.idempotencyKey.create({
          data: { id: record.id, ...record.scope, requestHash: record.requestHash, state: 'in_progress', createdAt: record.createdAt, expiresAt: record.expiresAt },
        });
        return true;
      } catch (error) {
        if ((error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') || String(error).includes('23505')) return false;
        throw error;
      }
    },

    find(scope: IdempotencyScope): Promise<IdempotencyRecord | null> {
      return prisma.idempotencyKey.findUnique({ where: { tenant_actorId_key: scope } });
    },

    /** Takes over an expired or abandoned record, only if nobody else did meanwhile (compare-and-set). */
    async takeOver(existing: IdempotencyRecord, next: { id: string; requestHash: string; createdAt: Date; expiresAt: Date }): Promise<boolean> {
      const { count } = await prisma.idempotencyKey.updateMany({
        where: { id: existing.id, state: existing.state, createdAt: existing.createdAt },
        data: { ...next, state: 'in_progress', responseStatus: null, responseBody: null },
      });
      return count === 1;
    },

    async complete(id: string, status: number, sealedBody: string): Promise<void> {
      await prisma.idempotencyKey.update({ where: { id }, data: { state: 'completed', responseStatus: status, responseBody: sealedBody } });
    },

    async remove(id: string): Promise<void> {
      await prisma.idempotencyKey.deleteMany({ where: { id } });
    },

    async purgeExpired(now: Date): Promise<number> {
      const { count } = await prisma.idempotencyKey.deleteMany({ where: { expiresAt: { lte: now } } });
      return count;
    },
  };
}
