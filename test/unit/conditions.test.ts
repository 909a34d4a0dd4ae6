import { describe, expect, it } from 'vitest';
import { conditionsOf, setCondition, type Condition } from '../../src/service-accounts/conditions.ts';
import { TenantRegistry } from '../../src/tenants/tenant-registry.ts';

const t0 = new Date('2026-11-25T10:00:00.000Z');
const t1 = new Date('2026-11-25T11:00:00.000Z');

describe('conditions', () => {
  it('when a condition keeps its status and reason, then its transition time stays; when either changes, then it moves', () => {
    let conditions: Condition[] = setCondition([], { type: 'Ready', status: 'True', reason: 'InSync', message: 'a' }, t0);
    conditions = setCondition(conditions, { type: 'Ready', status: 'True', reason: 'InSync', message: 'b' }, t1);
    expect(conditions).toEqual([{ type: 'Ready', status: 'True', reason: 'InSync', message: 'b', lastTransitionTime: t0.toISOString() }]);
    conditions = setCondition(conditions, { type: 'Ready', status: 'False', reason: 'ClientMissing', message: 'gone' }, t1);
    expect(conditions[0]).toMatchObject({ status: 'False', reason: 'ClientMissing', lastTransitionTime: t1.toISOString() });
  });

  it('when conditions of several types are set, then they are kept in the order Ready, Drifted, OwnerChanged', () => {
    let conditions = setCondition([], { type: 'OwnerChanged', status: 'True', reason: 'OwnerDeleted', message: '' }, t0);
    conditions = setCondition(conditions, { type: 'Drifted', status: 'False', reason: 'Repaired', message: '' }, t0);
    conditions = setCondition(conditions, { type: 'Ready', status: 'True', reason: 'InSync', message: '' }, t0);
    expect(conditions.map((c) => c.type)).toEqual(['Ready', 'Drifted', 'OwnerChanged']);
  });

  it('when a row has no stored Ready condition, then one is derived from its status', () => {
    expect(conditionsOf({ status: 'active', conditions: [], createdAt: t0 })).toEqual([
      { type: 'Ready', status: 'True', reason: 'Provisioned', message: 'The Keycloak client exists', lastTransitionTime: t0.toISOString() },
    ]);
    expect(conditionsOf({ status: 'deleting', conditions: [], createdAt: t0 })[0]).toMatchObject({ status: 'False', reason: 'Deleting' });
    const stored = [{ type: 'Ready', status: 'False', reason: 'ClientMissing', message: 'x', lastTransitionTime: t1.toISOString() }];
    expect(conditionsOf({ status: 'failed', conditions: stored, createdAt: t0 })).toEqual(stored);
  });
});

describe('tenant registry', () => {
  it('when another process deletes a tenant, then a known realm is dropped by the background reload within the refresh time', async () => {
    let now = 100_000;
    let realms = ['acme', 'initech'];
    const registry = new TenantRegistry({ listRealms: async () => realms }, { platformRealm: 'platform', reloadIntervalMs: 5000, now: () => now });
    expect(await registry.isKnownRealm('initech')).toBe(true);
    realms = ['acme'];
    now = 101_000;
    expect(await registry.isKnownRealm('initech')).toBe(true);
    now = 106_000;
    expect(await registry.isKnownRealm('initech')).toBe(true);
    await registry.reload();
    expect(await registry.isKnownRealm('initech')).toBe(false);
    expect(await registry.isKnownRealm('platform')).toBe(true);
  });
});
