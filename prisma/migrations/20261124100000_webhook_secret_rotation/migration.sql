-- Webhook signing-secret rotation: the previous secret (sealed) and the end of its overlap.
-- AlterTable
ALTER TABLE "webhooks" ADD COLUMN     "previous_signing_secret_enc" TEXT,
ADD COLUMN     "previous_signing_secret_expires_at" TIMESTAMPTZ(3);
