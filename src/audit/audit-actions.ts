// The registry of every audit action, like the error-code registry: features name actions from
// here, never as string literals, and clients filter the trail by these values.
export const auditActions = {
  serviceAccountCreated: 'service_account.created',
  serviceAccountUpdated: 'service_account.updated',
  serviceAccountDisabled: 'service_account.disabled',
  serviceAccountEnabled: 'service_account.enabled',
  serviceAccountDeleted: 'service_account.deleted',
  secretRegenerated: 'service_account.secret_regenerated',
  previousSecretRevoked: 'service_account.previous_secret_revoked',
  rotationPolicyUpdated: 'service_account.rotation_policy_updated',
  tokenShapeUpdated: 'service_account.token_shape_updated',
  tokenLifetimeReclamped: 'service_account.token_lifetime_reclamped',
  secretExpiring: 'service_account.secret_expiring',
  secretExpired: 'service_account.secret_expired',
  provisioningRolledBack: 'service_account.provisioning_rolled_back',
  orphanClientRemoved: 'service_account.orphan_client_removed',
  tenantPolicyUpdated: 'tenant.policy_updated',
  tokenExchanged: 'token.exchanged',
  webhookCreated: 'webhook.created',
  webhookDeleted: 'webhook.deleted',
  webhookSecretRotated: 'webhook.secret_rotated',
  webhookPinged: 'webhook.pinged',
  webhookRedelivered: 'webhook.redelivered',
  apiKeyCreated: 'api_key.created',
  apiKeyRevoked: 'api_key.revoked',
  apiKeyExpired: 'api_key.expired',
  apiKeyUsedFromNewAddress: 'api_key.used_from_new_ip',
} as const;

export type AuditAction = (typeof auditActions)[keyof typeof auditActions];
