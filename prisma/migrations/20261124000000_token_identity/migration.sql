-- A token about a service account is recognised by its subject (the SA user), so that lookup is indexed;
-- audiences the bridge registered as resource clients are remembered per tenant.
-- AlterTable
ALTER TABLE "tenants" ADD COLUMN     "registered_audiences" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- CreateIndex
CREATE INDEX "service_accounts_tenant_keycloak_user_id_idx" ON "service_accounts"("tenant", "keycloak_user_id");

