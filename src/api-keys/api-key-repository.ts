// Every query of the API key component. A key is found by its HMAC only; the authentication
// lookup reads the key, its service account and its tenant's policy in one indexed query.
import type { ApiKey, Prisma, PrismaClient } from '../generated/prisma/client.ts';
import { createWriteListeners } from '../db/write-listeners.ts';

type Db = Prisma.TransactionClient | PrismaClient;

export type ApiKeyRow = ApiKey;
export type RevocationReason = 'manual' | 'leaked';

/** What authenticating with a key needs, read in one query (kept to what every request needs). */
export interface ApiKeyCredentialRecord {
  id: string;
  tenant: string;
  serviceAccountId: string;
  keyHash: string;
  createdAt: Date;
  expiresAt: Date | null;
  expiredAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  serviceAccountStatus: string;
  role: string;
  clientId: string;
  keycloakUserId: string | null;
  apiKeysAllowed: boolean;
  maxApiKeyLifetimeDays: number | null;
}

/** A key found by a leak report, with what its webhook and audit event say. */
export interface ApiKeyLeakRecord extends ApiKeyCredentialRecord {
  name: string;
  prefix: string;
  lastFour: string;
  serviceAccountName: string;
}

/** A key past its expiry whose expiry is not recorded (and audited) yet. */
export interface ExpiredKeyCandidate {
  id: string;
  tenant: string;
  serviceAccountId: string;
  /** The expiry in force: its own, or the tenant maximum counted from creation. */
  expiresAt: Date;
}

export function createApiKeyRepository(prisma: PrismaClient) {
  // Told after every write to a key (and after a transaction commits), so that what this process
  // remembers of it (api-key-credential-cache.ts) is dropped before the writer's caller hears back.
  const { onWrite, written } = createWriteListeners();

  return {
    onWrite,

    insert(data: Prisma.ApiKeyUncheckedCreateInput, db: Db = prisma): Promise<ApiKeyRow> {
      return db.apiKey.create({ data });
    },

    /** The keys of a service account that are not revoked, newest first. */
    listUnrevoked(serviceAccountId: string, limit = 100, db: Db = prisma): Promise<ApiKeyRow[]> {
      return db.apiKey.findMany({
        where: { serviceAccountId, revokedAt: null },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take: limit,
      });
    },

    /**
     * Within `tx`: serialises key changes of one service account (a transaction-scoped advisory
     * lock), so two concurrent creates cannot both pass the live-key limit.
     */
    async lockKeysOf(serviceAccountId: string, tx: Prisma.TransactionClient): Promise<void> {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`api_keys:${serviceAccountId}`}, 0))`;
    },

    findUnrevoked(serviceAccountId: string, id: string): Promise<ApiKeyRow | null> {
      return prisma.apiKey.findFirst({ where: { id, serviceAccountId, revokedAt: null } });
    },

    /** Compare-and-set: of two concurrent revocations only one gets the row back. */
    async revoke(id: string, reason: RevocationReason, time: Date, db: Db = prisma): Promise<ApiKeyRow | null> {
      const rows = await written(db.apiKey.updateManyAndReturn({ where: { id, revokedAt: null }, data: { revokedAt: time, revokedReason: reason } }));
      return rows[0] ?? null;
    },

    /**
     * Runs on every request made with an API key: one call of the migration's PL/pgSQL function
     * `api_key_credential`, which reads the key by the unique index of key_hash, joined with its SA
     * and tenant by primary key, on a plan kept per connection (measured: planning the join as a
     * plain statement on every request cost more than the lookup itself). Nothing more is read
     * here: the client address is checked against the table only when this process has not seen it.
     */
    async findForAuthentication(keyHash: string): Promise<ApiKeyCredentialRecord | null> {
      const rows = await prisma.$queryRaw<ApiKeyCredentialRecord[]>`SELECT * FROM api_key_credential(${keyHash})`;
      return rows[0] ?? null;
    },

    /** The same lookup for a leak report, with the names its webhook carries. */
    async findForLeakReport(keyHash: string): Promise<ApiKeyLeakRecord | null> {
      const rows = await prisma.$queryRaw<ApiKeyLeakRecord[]>`
        SELECT k.id, k.tenant, k.service_account_id AS "serviceAccountId", k.key_hash AS "keyHash",
               k.created_at AS "createdAt", k.expires_at AS "expiresAt", k.expired_at AS "expiredAt",
               k.revoked_at AS "revokedAt", k.last_used_at AS "lastUsedAt", k.name, k.prefix, k.last_four AS "lastFour",
               sa.status::text AS "serviceAccountStatus", sa.name AS "serviceAccountName", sa.role,
               sa.client_id AS "clientId", sa.keycloak_user_id AS "keycloakUserId",
               t.api_keys_allowed AS "apiKeysAllowed", t.max_api_key_lifetime_days AS "maxApiKeyLifetimeDays"
        FROM api_keys k
        JOIN service_accounts sa ON sa.id = k.service_account_id
        JOIN tenants t ON t.realm = k.tenant
        WHERE k.key_hash = ${keyHash}`;
      return rows[0] ?? null;
    },

    /**
     * Moves last_used_at forward unless it was written less than `intervalMs` ago (by any bridge):
     * at most one write per key and interval. Returns whether it wrote.
     */
    async recordUse(id: string, time: Date, ip: string | null, intervalMs: number): Promise<boolean> {
      const { count } = await written(
        prisma.apiKey.updateMany({
          where: { id, OR: [{ lastUsedAt: null }, { lastUsedAt: { lte: new Date(time.getTime() - intervalMs) } }] },
          data: { lastUsedAt: time, lastUsedIp: ip },
        }),
      );
      return count === 1;
    },

    /** Records an address the key was used from; true only for the first time (once across bridges). */
    async rememberAddress(id: string, ip: string, time: Date): Promise<boolean> {
      const inserted = await prisma.$executeRaw`
        INSERT INTO api_key_addresses (api_key_id, ip, first_seen_at) VALUES (${id}, ${ip}, ${time})
        ON CONFLICT DO NOTHING`;
      return inserted === 1;
    },

    /** Compare-and-set of the expiry record: true once per key, however many bridges see it. */
    async markExpired(id: string, time: Date, db: Db = prisma): Promise<boolean> {
      const { count } = await written(db.apiKey.updateMany({ where: { id, expiredAt: null, revokedAt: null }, data: { expiredAt: time } }));
      return count === 1;
    },

    /**
     * Live keys past their expiry: their own, or the tenant's current maximum lifetime counted
     * from creation (the rule of api-key-policy.ts, in SQL).
     */
    findExpiredUnrecorded(now: Date, limit = 500): Promise<ExpiredKeyCandidate[]> {
      return prisma.$queryRaw<ExpiredKeyCandidate[]>`
        SELECT k.id, k.tenant, k.service_account_id AS "serviceAccountId",
               LEAST(k.expires_at, k.created_at + make_interval(days => t.max_api_key_lifetime_days)) AS "expiresAt"
        FROM api_keys k JOIN tenants t ON t.realm = k.tenant
        WHERE k.revoked_at IS NULL AND k.expired_at IS NULL
          AND LEAST(k.expires_at, k.created_at + make_interval(days => t.max_api_key_lifetime_days)) <= ${now}
        ORDER BY k.created_at
        LIMIT ${limit}`;
    },

    transaction<T>(fn: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T> {
      return written(prisma.$transaction(fn));
    },
  };
}

export type ApiKeyRepository = ReturnType<typeof createApiKeyRepository>;
