-- Tenants provisioned over the API (origin, status, owner-change policy, admin-event cursor),
-- SA conditions and the `failed` status (a client deleted by hand), and the deployment id.
-- AlterEnum
ALTER TYPE "service_account_status" ADD VALUE 'failed';

-- AlterTable
ALTER TABLE "tenants" ADD COLUMN     "origin" TEXT NOT NULL DEFAULT 'registered',
ADD COLUMN     "status" TEXT NOT NULL DEFAULT 'active',
ADD COLUMN     "on_owner_change" TEXT NOT NULL DEFAULT 'downgrade',
ADD COLUMN     "admin_events_seen_until" TIMESTAMPTZ(3),
ADD COLUMN     "reconciled_at" TIMESTAMPTZ(3),
ADD COLUMN     "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
ADD COLUMN     "deleted_at" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "service_accounts" ADD COLUMN     "conditions" JSONB NOT NULL DEFAULT '[]';

-- CreateTable
CREATE TABLE "deployment_identity" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "deployment_id" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "deployment_identity_pkey" PRIMARY KEY ("id")
);
