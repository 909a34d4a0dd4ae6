-- CreateEnum
CREATE TYPE "delivery_status" AS ENUM ('pending', 'delivered', 'failed');

-- AlterTable
ALTER TABLE "service_accounts" ADD COLUMN     "expiry_notice_sent" INTEGER,
ADD COLUMN     "last_used_at" TIMESTAMPTZ(3),
ADD COLUMN     "next_rotation_at" TIMESTAMPTZ(3),
ADD COLUMN     "previous_secret_expires_at" TIMESTAMPTZ(3),
ADD COLUMN     "rotation_enabled" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "rotation_grace_period_hours" INTEGER,
ADD COLUMN     "rotation_interval_days" INTEGER,
ADD COLUMN     "secret_expires_at" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "tenants" ADD COLUMN     "max_grace_period_seconds" INTEGER NOT NULL DEFAULT 604800,
ADD COLUMN     "max_secret_age_seconds" INTEGER NOT NULL DEFAULT 7776000,
ADD COLUMN     "usage_events_seen_until" TIMESTAMPTZ(3);

-- CreateTable
CREATE TABLE "webhooks" (
    "id" TEXT NOT NULL,
    "tenant" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "events" TEXT[],
    "signing_secret_enc" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "created_by_id" TEXT NOT NULL,
    "created_by_name" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deleted_at" TIMESTAMPTZ(3),

    CONSTRAINT "webhooks_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_deliveries" (
    "id" TEXT NOT NULL,
    "webhook_id" TEXT NOT NULL,
    "tenant" TEXT NOT NULL,
    "event" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "status" "delivery_status" NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_status_code" INTEGER,
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "delivered_at" TIMESTAMPTZ(3),

    CONSTRAINT "webhook_deliveries_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "webhooks_tenant_created_at_idx" ON "webhooks"("tenant", "created_at" DESC);

-- CreateIndex
CREATE INDEX "webhook_deliveries_status_next_attempt_at_idx" ON "webhook_deliveries"("status", "next_attempt_at");

-- CreateIndex
CREATE INDEX "webhook_deliveries_webhook_id_created_at_idx" ON "webhook_deliveries"("webhook_id", "created_at" DESC);

-- CreateIndex
CREATE INDEX "service_accounts_next_rotation_at_idx" ON "service_accounts"("next_rotation_at");

-- CreateIndex
CREATE INDEX "service_accounts_tenant_last_used_at_idx" ON "service_accounts"("tenant", "last_used_at");

-- AddForeignKey
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_webhook_id_fkey" FOREIGN KEY ("webhook_id") REFERENCES "webhooks"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Written by hand: status alone is a poor index (most rows are active) and it lured the planner
-- away from the list index. The reconciler only looks for rows in flight, which this keeps small.
DROP INDEX "service_accounts_status_idx";
CREATE INDEX "service_accounts_in_flight_idx" ON "service_accounts"("updated_at") WHERE "status" IN ('provisioning', 'deleting');
