import { describe, expect, it } from 'vitest';
import type { Role } from '../../src/auth/roles.ts';
import { grantableRole, mayActOnServiceAccount, mayReadAudit, type Caller, type ServiceAccountAction } from '../../src/auth/permissions.ts';

const caller = (role: Role | null, id = 'u-1'): Caller => ({ role, actor: { type: 'user', id, name: id } });
const ownedBy = (id: string) => ({ createdByType: 'user', createdById: id });

// [role, action, on own SA, on someone else's SA]
const table: Array<[Role, ServiceAccountAction, boolean, boolean]> = [
  ['cpi-admin', 'create', true, true], ['cpi-admin', 'read', true, true], ['cpi-admin', 'update', true, true],
  ['cpi-admin', 'regenerate', true, true], ['cpi-admin', 'delete', true, true],
  ['tenant-admin', 'create', true, true], ['tenant-admin', 'read', true, true], ['tenant-admin', 'update', true, true],
  ['tenant-admin', 'regenerate', true, true], ['tenant-admin', 'delete', true, true],
  ['devops', 'create', true, true], ['devops', 'read', true, true], ['devops', 'update', true, false],
  ['devops', 'regenerate', true, false], ['devops', 'delete', true, false],
  ['viewer', 'create', false, false], ['viewer', 'read', true, true], ['viewer', 'update', false, false],
  ['viewer', 'regenerate', false, false], ['viewer', 'delete', false, false],
];

describe('mayActOnServiceAccount', () => {
  it.each(table)('when a %s asks to %s, then own=%s and other=%s', (role, action, own, other) => {
    expect(mayActOnServiceAccount(caller(role), action, ownedBy('u-1'))).toBe(own);
    expect(mayActOnServiceAccount(caller(role), action, ownedBy('u-2'))).toBe(other);
  });

  it('when a caller holds no platform role, then nothing is allowed', () => {
    for (const action of ['create', 'read', 'update', 'regenerate', 'delete'] as const) {
      expect(mayActOnServiceAccount(caller(null), action, ownedBy('u-1'))).toBe(false);
    }
  });

  it('when a service account shares a user id string, then it is not the creator', () => {
    const sa: Caller = { role: 'devops', actor: { type: 'service_account', id: 'u-1', name: 'sa' } };
    expect(mayActOnServiceAccount(sa, 'delete', ownedBy('u-1'))).toBe(false);
  });
});

describe('mayReadAudit', () => {
  it('when the caller is tenant-admin or above, then audit is readable', () => {
    expect([mayReadAudit(caller('viewer')), mayReadAudit(caller('devops')), mayReadAudit(caller('tenant-admin')), mayReadAudit(caller('cpi-admin'))]).toEqual([false, false, true, true]);
  });
});

describe('grantableRole', () => {
  it('when no role is asked for, then the caller role is inherited', () => {
    expect(grantableRole('devops', undefined, false)).toBe('devops');
    expect(grantableRole('tenant-admin', undefined, false)).toBe('tenant-admin');
  });

  it('when a lower role is asked for, then it is granted', () => {
    expect(grantableRole('tenant-admin', 'viewer', false)).toBe('viewer');
  });

  it('when a higher role is asked for, then it is refused', () => {
    expect(grantableRole('devops', 'tenant-admin', false)).toBeUndefined();
    expect(grantableRole('viewer', 'devops', false)).toBeUndefined();
  });

  it('when cpi-admin creates in a tenant realm, then tenant-admin is the ceiling', () => {
    expect(grantableRole('cpi-admin', undefined, false)).toBe('tenant-admin');
    expect(grantableRole('cpi-admin', 'cpi-admin', false)).toBeUndefined();
    expect(grantableRole('cpi-admin', 'cpi-admin', true)).toBe('cpi-admin');
  });
});
