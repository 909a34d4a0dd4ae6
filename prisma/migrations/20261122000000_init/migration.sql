
-- CreateEnum
CREATE TYPE "service_account_status" AS ENUM ('provisioning', 'active', 'disabled', 'deleting', 'deleted');

-- CreateEnum
CREATE TYPE "actor_type" AS ENUM ('user', 'service_account', 'system');

-- CreateEnum
CREATE TYPE "audit_outcome" AS ENUM ('success', 'denied', 'failed');

-- CreateEnum
CREATE TYPE "idempotency_state" AS ENUM ('in_progress', 'completed');

-- CreateTable
CREATE TABLE "tenants" (
    "realm" TEXT NOT NULL,
    "display_name" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "tenants_pkey" PRIMARY KEY ("realm")
);

-- CreateTable
CREATE TABLE "service_accounts" (
    "id" TEXT NOT NULL,
    "tenant" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "client_id" TEXT NOT NULL,
    "keycloak_client_uuid" TEXT,
    "keycloak_user_id" TEXT,
    "role" TEXT NOT NULL,
    "status" "service_account_status" NOT NULL,
    "created_by_type" "actor_type" NOT NULL,
    "created_by_id" TEXT NOT NULL,
    "created_by_name" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "secret_rotated_at" TIMESTAMPTZ(3),
    "deleted_at" TIMESTAMPTZ(3),

    CONSTRAINT "service_accounts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_events" (
    "id" TEXT NOT NULL,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "tenant" TEXT NOT NULL,
    "actor_type" "actor_type" NOT NULL,
    "actor_id" TEXT NOT NULL,
    "actor_name" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "target_type" TEXT,
    "target_id" TEXT,
    "outcome" "audit_outcome" NOT NULL,
    "request_id" TEXT,
    "ip" TEXT,
    "user_agent" TEXT,
    "details" JSONB NOT NULL DEFAULT '{}',

    CONSTRAINT "audit_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "idempotency_keys" (
    "id" TEXT NOT NULL,
    "tenant" TEXT NOT NULL,
    "actor_id" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "request_hash" TEXT NOT NULL,
    "state" "idempotency_state" NOT NULL,
    "response_status" INTEGER,
    "response_body" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "idempotency_keys_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "service_accounts_tenant_created_at_id_idx" ON "service_accounts"("tenant", "created_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "service_accounts_status_idx" ON "service_accounts"("status");

-- CreateIndex
CREATE UNIQUE INDEX "service_accounts_tenant_client_id_key" ON "service_accounts"("tenant", "client_id");

-- CreateIndex
CREATE INDEX "audit_events_tenant_occurred_at_id_idx" ON "audit_events"("tenant", "occurred_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "idempotency_keys_expires_at_idx" ON "idempotency_keys"("expires_at");

-- CreateIndex
CREATE UNIQUE INDEX "idempotency_keys_tenant_actor_id_key_key" ON "idempotency_keys"("tenant", "actor_id", "key");

-- AddForeignKey
ALTER TABLE "service_accounts" ADD CONSTRAINT "service_accounts_tenant_fkey" FOREIGN KEY ("tenant") REFERENCES "tenants"("realm") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Written by hand: the schema language cannot express a partial unique index.
-- A name is unique among a tenant's live service accounts, and a deleted one frees it.
CREATE UNIQUE INDEX "service_accounts_live_name_key" ON "service_accounts"("tenant", "name") WHERE "status" <> 'deleted';
