// The rules of API key lifetimes and counts as pure functions (unit-tested); the use cases and
// the authentication service apply them.
import type { FieldError } from '../errors/app-error.ts';
import type { TenantPolicy } from '../tenants/tenant-repository.ts';

export const DAY_MS = 86_400_000;
/** A key asked for without `expires_in_days` lives this long, or the tenant maximum if lower. */
export const DEFAULT_API_KEY_LIFETIME_DAYS = 90;
/** Live (unrevoked, unexpired) keys one service account may have at a time. */
export const MAX_LIVE_API_KEYS = 10;

/**
 * When a key stops working: its own expiry, or earlier when the tenant's maximum lifetime (counted
 * from its creation) is shorter now; null when neither limits it.
 */
export function effectiveExpiry(key: { createdAt: Date; expiresAt: Date | null }, maxLifetimeDays: number | null): Date | null {
  const byPolicy = maxLifetimeDays === null ? null : new Date(key.createdAt.getTime() + maxLifetimeDays * DAY_MS);
  if (key.expiresAt === null) return byPolicy;
  if (byPolicy === null) return key.expiresAt;
  return key.expiresAt < byPolicy ? key.expiresAt : byPolicy;
}

/**
 * The expiry of a new key: `undefined` asks for the default, `null` for none (only when the
 * policy has no maximum). Returns the field error when the request is outside the policy.
 */
export function resolveNewKeyExpiry(
  requestedDays: number | null | undefined,
  policy: Pick<TenantPolicy, 'maxApiKeyLifetimeDays'>,
  now: Date,
): { expiresAt: Date | null } | { problem: { detail: string; error: FieldError } } {
  const max = policy.maxApiKeyLifetimeDays;
  if (requestedDays === null) {
    if (max === null) return { expiresAt: null };
    return {
      problem: {
        detail: `The tenant policy requires API keys to expire within ${max} days`,
        error: { path: 'body.expires_in_days', message: `must be a number of days up to ${max}; keys without an expiry are not allowed in this tenant` },
      },
    };
  }
  const days = requestedDays ?? (max === null ? DEFAULT_API_KEY_LIFETIME_DAYS : Math.min(DEFAULT_API_KEY_LIFETIME_DAYS, max));
  if (max !== null && days > max) {
    return {
      problem: {
        detail: `The tenant policy allows API keys to live at most ${max} days`,
        error: { path: 'body.expires_in_days', message: `exceeds the tenant maximum of ${max} days` },
      },
    };
  }
  return { expiresAt: new Date(now.getTime() + days * DAY_MS) };
}

/** Whether a key still works by its dates (revocation and the SA are checked elsewhere). */
export function isExpired(key: { createdAt: Date; expiresAt: Date | null; expiredAt: Date | null }, maxLifetimeDays: number | null, now: Date): boolean {
  if (key.expiredAt !== null) return true;
  const until = effectiveExpiry(key, maxLifetimeDays);
  return until !== null && until <= now;
}
