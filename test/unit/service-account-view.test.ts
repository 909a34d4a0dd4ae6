import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ServiceAccountRow } from '../../src/service-accounts/service-account-repository.ts';
import { renderServiceAccountJson, toServiceAccountResponse } from '../../src/service-accounts/service-account-view.ts';

const ISSUER = 'http://keycloak.test';
const NOW = new Date('2026-11-23T12:00:00.000Z');

function row(overrides: Partial<ServiceAccountRow> = {}): ServiceAccountRow {
  return {
    id: 'sa_1',
    tenant: 'acme',
    name: 'ci',
    description: null,
    clientId: 'sa-ci',
    keycloakClientUuid: 'uuid',
    keycloakUserId: 'user',
    role: 'devops',
    status: 'active',
    createdByType: 'user',
    createdById: 'alice-id',
    createdByName: 'alice',
    createdAt: new Date('2026-11-01T00:00:00.000Z'),
    updatedAt: new Date('2026-11-01T00:00:00.000Z'),
    secretRotatedAt: null,
    secretExpiresAt: null,
    previousSecretExpiresAt: null,
    secretFingerprint: null,
    lastUsedAt: null,
    rotationEnabled: false,
    rotationIntervalDays: null,
    rotationGracePeriodHours: null,
    nextRotationAt: null,
    expiryNoticeSent: null,
    requestedAccessTokenTtl: null,
    accessTokenTtl: null,
    scopes: [],
    claims: {},
    audiences: [],
    deletedAt: null,
    conditions: [],
    ...overrides,
  };
}

describe('the JSON text of a service account', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('when a row is rendered, then the text is exactly the response object as JSON', () => {
    const account = Object.freeze(row({ description: 'quotes " and \u00e9', scopes: ['a'], claims: { team: 'x' } }));
    expect(JSON.parse(renderServiceAccountJson(account, ISSUER))).toEqual(toServiceAccountResponse(account, ISSUER));
  });

  it('when a frozen row is rendered twice, then the second answer is the text kept from the first; a row that can change is rendered each time', () => {
    const frozen = Object.freeze(row());
    expect(renderServiceAccountJson(frozen, ISSUER)).toBe(renderServiceAccountJson(frozen, ISSUER));
    const stringify = vi.spyOn(JSON, 'stringify');
    renderServiceAccountJson(frozen, ISSUER);
    expect(stringify).not.toHaveBeenCalled();
    const mutable = row();
    renderServiceAccountJson(mutable, ISSUER);
    renderServiceAccountJson(mutable, ISSUER);
    expect(stringify).toHaveBeenCalledTimes(2);
    stringify.mockRestore();
  });

  it('when the previous secret expires after a row was rendered, then the kept text is dropped and previous_secret_expires_at becomes null', () => {
    vi.useFakeTimers({ now: NOW });
    const expiry = new Date(NOW.getTime() + 60_000);
    const account = Object.freeze(row({ previousSecretExpiresAt: expiry }));
    expect(JSON.parse(renderServiceAccountJson(account, ISSUER)).previous_secret_expires_at).toBe(expiry.toISOString());
    vi.setSystemTime(new Date(expiry.getTime() - 1));
    expect(JSON.parse(renderServiceAccountJson(account, ISSUER)).previous_secret_expires_at).toBe(expiry.toISOString());
    vi.setSystemTime(expiry);
    expect(JSON.parse(renderServiceAccountJson(account, ISSUER)).previous_secret_expires_at).toBeNull();
  });

  it('when the same row is rendered for another issuer, then the text names that issuer', () => {
    const account = Object.freeze(row());
    renderServiceAccountJson(account, ISSUER);
    expect(JSON.parse(renderServiceAccountJson(account, 'http://other.test')).issuer).toBe('http://other.test/realms/acme');
  });
});
