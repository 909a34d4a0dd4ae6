-- AlterTable
ALTER TABLE "service_accounts" ADD COLUMN     "access_token_ttl" INTEGER,
ADD COLUMN     "audiences" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "claims" JSONB NOT NULL DEFAULT '{}',
ADD COLUMN     "requested_access_token_ttl" INTEGER,
ADD COLUMN     "scopes" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- AlterTable
ALTER TABLE "tenants" ADD COLUMN     "allowed_audiences" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "allowed_scopes" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "default_access_token_ttl" INTEGER NOT NULL DEFAULT 300,
ADD COLUMN     "exchange_client_secret_enc" TEXT,
ADD COLUMN     "max_access_token_ttl" INTEGER NOT NULL DEFAULT 3600;
