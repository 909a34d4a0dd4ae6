import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { dueNoticeStage } from '../../src/jobs/background-jobs.ts';
import { SecretBox } from '../../src/lib/secret-box.ts';
import { signatureHeader, verifySignature } from '../../src/webhooks/webhook-signature.ts';

describe('webhook signatures', () => {
  const secret = 'whsec_test';
  const body = '{"type":"service_account.created"}';

  it('when a receiver verifies a fresh delivery, then it passes; tampered, stale or wrongly keyed ones fail', () => {
    const header = signatureHeader(secret, 1_800_000_000, body);
    expect(header).toMatch(/^t=1800000000,v1=[0-9a-f]{64}$/);
    expect(verifySignature(secret, header, body, 1_800_000_010)).toBe(true);
    expect(verifySignature(secret, header, `${body} `, 1_800_000_010)).toBe(false);
    expect(verifySignature('whsec_other', header, body, 1_800_000_010)).toBe(false);
    expect(verifySignature(secret, header, body, 1_800_001_000)).toBe(false);
    expect(verifySignature(secret, 'v1=abc', body, 1_800_000_010)).toBe(false);
  });
});

describe('expiry notice stages', () => {
  const now = new Date('2026-11-22T00:00:00Z');
  const inDays = (d: number) => new Date(now.getTime() + d * 86_400_000);

  it.each([
    [30, undefined],
    [14, 14],
    [10, 14],
    [7, 7],
    [2, 7],
    [1, 1],
    [0.5, 1],
    [0, 0],
    [-3, 0],
  ])('when the secret expires in %s days, then the due notice is %s', (days, stage) => {
    expect(dueNoticeStage(inDays(days), now)).toBe(stage);
  });
});

describe('SecretBox', () => {
  it('when a value is sealed, then only the same key and context open it', () => {
    const key = randomBytes(32);
    const sealed = new SecretBox(key).seal('whsec_x', 'wh_1');
    expect(sealed).not.toContain('whsec_x');
    expect(new SecretBox(key).open(sealed, 'wh_1')).toBe('whsec_x');
    expect(() => new SecretBox(key).open(sealed, 'wh_2')).toThrow();
    expect(() => new SecretBox(randomBytes(32)).open(sealed, 'wh_1')).toThrow();
  });
});
