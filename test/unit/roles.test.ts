import { describe, expect, it } from 'vitest';
import { hasAtLeast, resolveRole } from '../../src/auth/roles.ts';

const names = { cpiAdmin: 'cpi-admin', tenantAdmin: 'tenant-admin', devops: 'devops', viewer: 'viewer' };

describe('resolveRole', () => {
  it('when a token holds several platform roles, then the highest wins', () => {
    expect(resolveRole(['viewer', 'devops', 'offline_access'], 'acme', 'platform', names)).toBe('devops');
    expect(resolveRole(['viewer', 'tenant-admin'], 'acme', 'platform', names)).toBe('tenant-admin');
  });

  it('when cpi-admin is held outside the platform realm, then it does not count', () => {
    expect(resolveRole(['cpi-admin'], 'acme', 'platform', names)).toBeNull();
    expect(resolveRole(['cpi-admin', 'viewer'], 'acme', 'platform', names)).toBe('viewer');
    expect(resolveRole(['cpi-admin'], 'platform', 'platform', names)).toBe('cpi-admin');
  });

  it('when role names are configured, then the configured Keycloak names are matched', () => {
    const custom = { ...names, tenantAdmin: 'org-owner' };
    expect(resolveRole(['org-owner'], 'acme', 'platform', custom)).toBe('tenant-admin');
    expect(resolveRole(['tenant-admin'], 'acme', 'platform', custom)).toBeNull();
  });

  it('when no platform role is held, then the role is null', () => {
    expect(resolveRole(['uma_authorization'], 'acme', 'platform', names)).toBeNull();
  });
});

describe('hasAtLeast', () => {
  it('when comparing roles, then the order is viewer < devops < tenant-admin < cpi-admin', () => {
    expect(hasAtLeast('devops', 'viewer')).toBe(true);
    expect(hasAtLeast('devops', 'tenant-admin')).toBe(false);
    expect(hasAtLeast('cpi-admin', 'tenant-admin')).toBe(true);
    expect(hasAtLeast(null, 'viewer')).toBe(false);
  });
});
