-- API keys of service accounts: only an HMAC of each key is stored, with its display parts (prefix,
-- last four). Tenant policy: whether keys are allowed, and their longest lifetime (null = no limit).
-- AlterTable
ALTER TABLE "tenants" ADD COLUMN     "api_keys_allowed" BOOLEAN NOT NULL DEFAULT true,
ADD COLUMN     "max_api_key_lifetime_days" INTEGER DEFAULT 90;

-- CreateTable
CREATE TABLE "api_keys" (
    "id" TEXT NOT NULL,
    "tenant" TEXT NOT NULL,
    "service_account_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "key_hash" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "last_four" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "created_by_type" "actor_type" NOT NULL,
    "created_by_id" TEXT NOT NULL,
    "created_by_name" TEXT NOT NULL,
    "expires_at" TIMESTAMPTZ(3),
    "expired_at" TIMESTAMPTZ(3),
    "last_used_at" TIMESTAMPTZ(3),
    "last_used_ip" TEXT,
    "revoked_at" TIMESTAMPTZ(3),
    "revoked_reason" TEXT,

    CONSTRAINT "api_keys_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_key_addresses" (
    "api_key_id" TEXT NOT NULL,
    "ip" TEXT NOT NULL,
    "first_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "api_key_addresses_pkey" PRIMARY KEY ("api_key_id","ip")
);

-- CreateIndex
CREATE UNIQUE INDEX "api_keys_key_hash_key" ON "api_keys"("key_hash");

-- CreateIndex
CREATE INDEX "api_keys_service_account_id_created_at_idx" ON "api_keys"("service_account_id", "created_at" DESC);

-- AddForeignKey
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_service_account_id_fkey" FOREIGN KEY ("service_account_id") REFERENCES "service_accounts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "api_key_addresses" ADD CONSTRAINT "api_key_addresses_api_key_id_fkey" FOREIGN KEY ("api_key_id") REFERENCES "api_keys"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Written by hand: the expiry job looks only at keys still live, which this keeps small.
CREATE INDEX "api_keys_live_idx" ON "api_keys"("created_at") WHERE "revoked_at" IS NULL AND "expired_at" IS NULL;

-- Written by hand: the HMAC is 64 lowercase hex characters, whatever writes the row.
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_key_hash_format" CHECK ("key_hash" ~ '^[0-9a-f]{64}$');

-- Written by hand: what authenticating with an API key reads, in one call. Every request made with
-- a key runs it, and a three-table join sent as a plain statement is planned again each time
-- (measured: more than the lookup itself); PL/pgSQL keeps the plan per connection. The columns
-- are named as src/api-keys/api-key-repository.ts reads them (ApiKeyCredentialRecord).
CREATE FUNCTION "api_key_credential"("hash" TEXT)
RETURNS TABLE (
    "id" TEXT,
    "tenant" TEXT,
    "serviceAccountId" TEXT,
    "keyHash" TEXT,
    "createdAt" TIMESTAMPTZ(3),
    "expiresAt" TIMESTAMPTZ(3),
    "expiredAt" TIMESTAMPTZ(3),
    "revokedAt" TIMESTAMPTZ(3),
    "lastUsedAt" TIMESTAMPTZ(3),
    "serviceAccountStatus" TEXT,
    "role" TEXT,
    "clientId" TEXT,
    "keycloakUserId" TEXT,
    "apiKeysAllowed" BOOLEAN,
    "maxApiKeyLifetimeDays" INTEGER
)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN QUERY
    SELECT k.id, k.tenant, k.service_account_id, k.key_hash, k.created_at, k.expires_at, k.expired_at, k.revoked_at,
           k.last_used_at, sa.status::text, sa.role, sa.client_id, sa.keycloak_user_id, t.api_keys_allowed,
           t.max_api_key_lifetime_days
    FROM api_keys k
    JOIN service_accounts sa ON sa.id = k.service_account_id
    JOIN tenants t ON t.realm = k.tenant
    WHERE k.key_hash = "hash";
END
$$;
