import { describe, expect, it } from 'vitest';
import { fromHttpError } from '../../src/http/error-handler.ts';
import { findNulCharacters } from '../../src/http/guard.ts';
import { keycloakDescription } from '../../src/keycloak/client-shape.ts';
import { refusedClaimNames } from '../../src/service-accounts/service-account-schemas.ts';
import { fromKeycloakRefusal } from '../../src/token-exchange/token-exchange-errors.ts';

describe('static claim names', () => {
  it.each([
    ['realm_access.roles', /reserved claim realm_access/],
    ['act.sub', /reserved claim act/],
    ['cnf.jkt', /reserved claim cnf/],
    ['resource_access.api.roles', /reserved claim resource_access/],
    ['team.sub', /reserved claim sub/],
    ['sub', /sub is a reserved claim/],
    ['team..id', /empty segment/],
  ])('when a claim is named %s, then it is refused', (name, message) => {
    expect(refusedClaimNames([name])).toEqual([{ name, message: expect.stringMatching(message) }]);
  });

  it('when one claim would nest under another, then the outer one is refused', () => {
    expect(refusedClaimNames(['team', 'team.id']).map((r) => r.name)).toEqual(['team']);
  });

  it('when claims are plain or nest under names of their own, then none is refused', () => {
    expect(refusedClaimNames(['team', 'cost_center', 'org.unit', 'org.region'])).toEqual([]);
  });
});

describe("Keycloak's exchange refusals in RFC 8693 terms", () => {
  it.each([
    [400, { error: 'invalid_client', error_description: 'Audience not found' }, 'invalid_target'],
    [400, { error: 'invalid_scope', error_description: 'Invalid scopes: x' }, 'invalid_scope'],
    [403, { error: 'access_denied', error_description: 'Client not allowed to exchange' }, 'invalid_request'],
    [400, { error: 'invalid_request', error_description: 'Invalid token' }, 'invalid_request'],
  ])('when Keycloak answers %i %o, then the caller gets %s', (status, body, expected) => {
    expect(fromKeycloakRefusal(status, body)?.error).toBe(expected);
  });

  it.each([
    [401, { error: 'unauthorized_client', error_description: 'Invalid client or Invalid client credentials' }],
    [400, { error: 'invalid_client', error_description: 'Invalid client credentials' }],
    [500, { error: 'unknown_error' }],
  ])('when the refusal is about the bridge itself or upstream (%i %o), then it is upstream trouble', (status, body) => {
    expect(fromKeycloakRefusal(status, body)).toBeUndefined();
  });
});

describe('descriptions for Keycloak', () => {
  it('when a description fits in 255 units, then it is sent as it is', () => {
    expect(keycloakDescription('d'.repeat(255))).toBe('d'.repeat(255));
    expect(keycloakDescription(null)).toBe('');
  });

  it('when it is longer, then it is cut to 255 units and never inside a surrogate pair', () => {
    expect(keycloakDescription('d'.repeat(300))).toBe('d'.repeat(255));
    expect(keycloakDescription(`${'d'.repeat(254)}\u{1F511}tail`)).toBe('d'.repeat(254));
    expect(keycloakDescription(`${'d'.repeat(253)}\u{1F511}tail`)).toBe(`${'d'.repeat(253)}\u{1F511}`);
  });
});

describe('NUL characters', () => {
  it('when a string, nested value or key holds U+0000, then its path is reported', () => {
    expect(findNulCharacters({ a: 'x\u0000', b: ['ok', 'y\u0000'], c: { d: '\u0000' }, ['k\u0000']: 'v' }, 'body').map((e) => e.path)).toEqual([
      'body.a',
      'body.b.1',
      'body.c.d',
      'body',
    ]);
  });

  it('when nothing holds one, then nothing is reported', () => {
    expect(findNulCharacters({ a: 'x', b: [1, null, true], c: { d: 'e' } }, 'body')).toEqual([]);
  });
});

describe('errors Express and body-parser raise for bad requests', () => {
  it('when the router cannot decode a path segment, then 400 invalid_request', () => {
    const error = Object.assign(new URIError('Failed to decode param'), { status: 400 });
    expect(fromHttpError(error)).toMatchObject({ code: 'invalid_request', status: 400 });
  });

  it('when a gzip body does not inflate, then 400 invalid_request', () => {
    const error = Object.assign(new Error('incorrect header check'), { status: 400, expose: true });
    expect(fromHttpError(error)).toMatchObject({ code: 'invalid_request', status: 400 });
  });

  it('when an error carries no 4xx status, then it is not the caller\'s fault and is not mapped', () => {
    expect(fromHttpError(new Error('boom'))).toBeUndefined();
    expect(fromHttpError(Object.assign(new Error('x'), { status: 502 }))).toBeUndefined();
  });
});
