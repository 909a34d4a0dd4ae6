// The pure policy modules: token shape and rotation against a tenant policy, and tenant policy changes.
import { describe, expect, it } from 'vitest';
import { checkGracePeriod, rotationColumns, scheduledGraceSeconds, secretExpiry } from '../../src/service-accounts/rotation-policy.ts';
import { effectiveTokenTtl, hasShapeChange, resolveTokenShape } from '../../src/service-accounts/token-shape-policy.ts';
import { applyPolicyChange, findPolicyProblem, toPolicyResponse } from '../../src/tenants/tenant-policy.ts';
import type { TenantPolicy } from '../../src/tenants/tenant-repository.ts';

const policy: TenantPolicy = {
  maxSecretAgeSeconds: 90 * 86_400,
  maxGracePeriodSeconds: 7 * 86_400,
  maxAccessTokenTtl: 600,
  defaultAccessTokenTtl: 300,
  allowedScopes: ['billing:read'],
  allowedAudiences: ['billing-api'],
  registeredAudiences: [],
  onOwnerChange: 'downgrade',
  apiKeysAllowed: true,
  maxApiKeyLifetimeDays: 90,
};

describe('token shape policy', () => {
  it('when no lifetime is asked, then the tenant default applies; an asked one is clamped to the maximum', () => {
    expect(effectiveTokenTtl(null, policy)).toBe(300);
    expect(effectiveTokenTtl(120, policy)).toBe(120);
    expect(effectiveTokenTtl(3600, policy)).toBe(600);
  });

  it('when a shape stays within the allow-lists, then the shape and its columns come back', () => {
    const { shape, columns } = resolveTokenShape({ access_token_ttl: 900, scopes: ['billing:read'], audience: ['billing-api'], claims: { team: 'a' } }, policy);
    expect(shape).toEqual({ accessTokenTtl: 600, scopes: ['billing:read'], audiences: ['billing-api'], claims: { team: 'a' } });
    expect(columns).toEqual({ requestedAccessTokenTtl: 900, accessTokenTtl: 600, scopes: ['billing:read'], audiences: ['billing-api'], claims: { team: 'a' } });
  });

  it('when a change names only some fields, then the others are kept from the current shape', () => {
    const current = { requestedAccessTokenTtl: 120, scopes: ['billing:read'], claims: { team: 'a' }, audiences: ['billing-api'] };
    expect(resolveTokenShape({ claims: { team: 'b' } }, policy, current).shape).toEqual({ accessTokenTtl: 120, scopes: ['billing:read'], audiences: ['billing-api'], claims: { team: 'b' } });
  });

  it('when scopes or audiences are outside the policy, then one 400 lists each of them', () => {
    expect(() => resolveTokenShape({ scopes: ['admin'], audience: ['payroll-api', 'billing-api'] }, policy)).toThrow(
      expect.objectContaining({
        code: 'invalid_request',
        errors: [
          { path: 'body.scopes', message: 'admin is not an allowed scope of this tenant' },
          { path: 'body.audience', message: 'payroll-api is not an allowed audience of this tenant' },
        ],
      }),
    );
  });

  it('when any shape field is given, then it is a shape change', () => {
    expect(hasShapeChange({})).toBe(false);
    expect(hasShapeChange({ scopes: [] })).toBe(true);
    expect(hasShapeChange({ access_token_ttl: 60 })).toBe(true);
  });
});

describe('rotation policy', () => {
  const rotatedAt = new Date('2026-11-01T00:00:00Z');

  it('when rotation is enabled within the limits, then the next rotation counts from the last one', () => {
    expect(rotationColumns({ enabled: true, interval_days: 30, grace_period_hours: 24 }, policy, rotatedAt)).toEqual({
      rotationEnabled: true,
      rotationIntervalDays: 30,
      rotationGracePeriodHours: 24,
      nextRotationAt: new Date('2026-12-01T00:00:00Z'),
    });
  });

  it('when rotation is disabled, then nothing is scheduled', () => {
    expect(rotationColumns({ enabled: false }, policy, rotatedAt).nextRotationAt).toBeNull();
  });

  it('when the interval reaches the maximum secret age or the grace exceeds the maximum, then 400 naming both', () => {
    expect(() => rotationColumns({ enabled: true, interval_days: 90, grace_period_hours: 200 }, policy, rotatedAt)).toThrow(
      expect.objectContaining({ errors: [expect.objectContaining({ path: 'body.rotation.interval_days' }), expect.objectContaining({ path: 'body.rotation.grace_period_hours' })] }),
    );
  });

  it('when a manual grace exceeds the tenant maximum, then 400; a scheduled one is capped instead', () => {
    expect(() => checkGracePeriod(7 * 86_400 + 1, policy)).toThrow(expect.objectContaining({ code: 'invalid_request' }));
    expect(() => checkGracePeriod(3600, policy)).not.toThrow();
    expect(scheduledGraceSeconds(24, policy)).toBe(86_400);
    expect(scheduledGraceSeconds(1000, policy)).toBe(7 * 86_400);
    expect(scheduledGraceSeconds(null, policy)).toBe(0);
  });

  it('when a secret is rotated, then it expires after the tenant maximum age', () => {
    expect(secretExpiry(rotatedAt, policy)).toEqual(new Date('2027-01-30T00:00:00Z'));
  });
});

describe('tenant policy changes', () => {
  it('when a change names some fields, then the rest of the policy stays', () => {
    expect(applyPolicyChange(policy, { max_access_token_ttl: 60, default_access_token_ttl: 30 })).toEqual({ ...policy, maxAccessTokenTtl: 60, defaultAccessTokenTtl: 30 });
  });

  it.each([
    [{ defaultAccessTokenTtl: 700 }, 'body.default_access_token_ttl'],
    [{ maxSecretAgeSeconds: 100 }, 'body.max_secret_age_seconds'],
    [{ maxGracePeriodSeconds: 91 * 86_400 }, 'body.max_grace_period_seconds'],
  ])('when the policy would be %o, then it is refused at %s', (change, path) => {
    expect(findPolicyProblem({ ...policy, ...change }, { minSecretAgeSeconds: 3600 })?.error.path).toBe(path);
  });

  it('when the policy keeps every rule, then nothing is refused, and it is shown with snake_case names', () => {
    expect(findPolicyProblem(policy, { minSecretAgeSeconds: 3600 })).toBeUndefined();
    expect(toPolicyResponse('acme', policy)).toMatchObject({ tenant: 'acme', max_access_token_ttl: 600, allowed_audiences: ['billing-api'], registered_audiences: [] });
  });
});
