-- A keyed fingerprint (HMAC-SHA-256) of the client secret each service account last handed out, so
-- the reconciler can tell which secret Keycloak holds without the secret being kept. Rows from
-- before have none until their next rotation.
-- AlterTable
ALTER TABLE "service_accounts" ADD COLUMN     "secret_fingerprint" TEXT;
