// Rotation of a service account's secret against its tenant policy, as pure functions.
import { AppError } from '../errors/app-error.ts';
import type { TenantPolicy } from '../tenants/tenant-repository.ts';
import type { RotationPolicyInput } from './service-account-schemas.ts';

export const DAY_MS = 86_400_000;

export type RotationLimits = Pick<TenantPolicy, 'maxSecretAgeSeconds' | 'maxGracePeriodSeconds'>;

/**
 * The columns an automatic rotation policy sets, after checking it against the tenant's limits:
 * the interval must be below the maximum secret age (or the secret expires before it rotates),
 * and the grace period within the maximum grace. The next rotation counts from `rotatedAt`.
 */
export function rotationColumns(input: RotationPolicyInput, policy: RotationLimits, rotatedAt: Date | null, now = new Date()) {
  const errors = [];
  if (input.enabled && input.interval_days! * 86_400 >= policy.maxSecretAgeSeconds) {
    errors.push({ path: 'body.rotation.interval_days', message: `must be below the tenant's maximum secret age (${policy.maxSecretAgeSeconds} s)` });
  }
  if ((input.grace_period_hours ?? 0) * 3600 > policy.maxGracePeriodSeconds) {
    errors.push({ path: 'body.rotation.grace_period_hours', message: `exceeds the tenant's maximum grace period (${policy.maxGracePeriodSeconds} s)` });
  }
  if (errors.length) throw new AppError('invalid_request', 'The rotation policy is outside the tenant policy', { errors });
  return {
    rotationEnabled: input.enabled,
    rotationIntervalDays: input.interval_days ?? null,
    rotationGracePeriodHours: input.grace_period_hours ?? null,
    nextRotationAt: input.enabled ? new Date((rotatedAt ?? now).getTime() + input.interval_days! * DAY_MS) : null,
  };
}

/** A manual rotation's grace period must be within the tenant maximum. */
export function checkGracePeriod(gracePeriodSeconds: number, policy: RotationLimits): void {
  if (gracePeriodSeconds > policy.maxGracePeriodSeconds) {
    throw new AppError('invalid_request', `grace_period exceeds the tenant's maximum (${policy.maxGracePeriodSeconds} s)`, {
      errors: [{ path: 'body.grace_period', message: `must be at most ${policy.maxGracePeriodSeconds}` }],
    });
  }
}

/** The grace a scheduled rotation gives: the SA's own, never above the tenant maximum. */
export function scheduledGraceSeconds(gracePeriodHours: number | null, policy: RotationLimits): number {
  return Math.min((gracePeriodHours ?? 0) * 3600, policy.maxGracePeriodSeconds);
}

/** When the secret rotated at `rotatedAt` expires: Keycloak's executor stamps the same lifetime. */
export function secretExpiry(rotatedAt: Date, policy: RotationLimits): Date {
  return new Date(rotatedAt.getTime() + policy.maxSecretAgeSeconds * 1000);
}
