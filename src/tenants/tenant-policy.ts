// A tenant policy change as pure functions: the policy after a change, the rules it must keep,
// and how it is shown. Unit-tested; tenant-policy-service.ts applies it.
import type { FieldError } from '../errors/app-error.ts';
import type { TenantPolicy } from './tenant-repository.ts';
import type { UpdateTenantPolicyInput } from './tenant-schemas.ts';

/** A new tenant's policy: the database defaults (prisma/schema.prisma). */
export const DEFAULT_TENANT_POLICY: TenantPolicy = {
  maxSecretAgeSeconds: 90 * 86_400,
  maxGracePeriodSeconds: 7 * 86_400,
  maxAccessTokenTtl: 3600,
  defaultAccessTokenTtl: 300,
  allowedScopes: [],
  allowedAudiences: [],
  registeredAudiences: [],
  onOwnerChange: 'downgrade',
  apiKeysAllowed: true,
  maxApiKeyLifetimeDays: 90,
};

export function applyPolicyChange(before: TenantPolicy, change: UpdateTenantPolicyInput): TenantPolicy {
  return {
    maxSecretAgeSeconds: change.max_secret_age_seconds ?? before.maxSecretAgeSeconds,
    maxGracePeriodSeconds: change.max_grace_period_seconds ?? before.maxGracePeriodSeconds,
    maxAccessTokenTtl: change.max_access_token_ttl ?? before.maxAccessTokenTtl,
    defaultAccessTokenTtl: change.default_access_token_ttl ?? before.defaultAccessTokenTtl,
    allowedScopes: change.allowed_scopes ?? before.allowedScopes,
    allowedAudiences: change.allowed_audiences ?? before.allowedAudiences,
    registeredAudiences: before.registeredAudiences,
    onOwnerChange: change.on_owner_change ?? before.onOwnerChange,
    apiKeysAllowed: change.api_keys_allowed ?? before.apiKeysAllowed,
    // null is a value here (no maximum), so only an absent field keeps the old one.
    maxApiKeyLifetimeDays: change.max_api_key_lifetime_days !== undefined ? change.max_api_key_lifetime_days : before.maxApiKeyLifetimeDays,
  };
}

/** Why a policy may not be set (the first broken rule), or undefined when it may. */
export function findPolicyProblem(policy: TenantPolicy, limits: { minSecretAgeSeconds: number }): { detail: string; error: FieldError } | undefined {
  if (policy.defaultAccessTokenTtl > policy.maxAccessTokenTtl) {
    return {
      detail: 'default_access_token_ttl cannot exceed max_access_token_ttl',
      error: { path: 'body.default_access_token_ttl', message: 'exceeds max_access_token_ttl' },
    };
  }
  if (policy.maxSecretAgeSeconds < limits.minSecretAgeSeconds) {
    return {
      detail: `max_secret_age_seconds must be at least ${limits.minSecretAgeSeconds}`,
      error: { path: 'body.max_secret_age_seconds', message: `below the platform minimum of ${limits.minSecretAgeSeconds}` },
    };
  }
  if (policy.maxGracePeriodSeconds > policy.maxSecretAgeSeconds) {
    return {
      detail: 'max_grace_period_seconds cannot exceed the maximum secret age',
      error: { path: 'body.max_grace_period_seconds', message: 'exceeds max_secret_age_seconds' },
    };
  }
  return undefined;
}

export function toPolicyResponse(realm: string, policy: TenantPolicy) {
  return {
    tenant: realm,
    max_secret_age_seconds: policy.maxSecretAgeSeconds,
    max_grace_period_seconds: policy.maxGracePeriodSeconds,
    max_access_token_ttl: policy.maxAccessTokenTtl,
    default_access_token_ttl: policy.defaultAccessTokenTtl,
    allowed_scopes: policy.allowedScopes,
    allowed_audiences: policy.allowedAudiences,
    registered_audiences: policy.registeredAudiences,
    on_owner_change: policy.onOwnerChange,
    api_keys_allowed: policy.apiKeysAllowed,
    max_api_key_lifetime_days: policy.maxApiKeyLifetimeDays,
  };
}
