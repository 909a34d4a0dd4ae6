import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { dueNoticeStage } from '../../src/jobs/notify-expiring-secrets.ts';
import { SecretBox } from '../../src/lib/secret-box.ts';
import { generateSigningSecret, signatureHeader, signPayload, verifySignature } from '../../src/webhooks/webhook-signature.ts';

describe('webhook signatures', () => {
  const secret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
  const body = '{"type":"service_account.created"}';
  const headersAt = (secrets: string[], timestamp: number) => ({
    'webhook-id': 'whd_1',
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signatureHeader(secrets, 'whd_1', timestamp, body),
  });

  it('when a signing secret is generated, then it is whsec_ and standard base64 of 32 bytes that the standardwebhooks library accepts', () => {
    for (let i = 0; i < 50; i += 1) {
      const generated = generateSigningSecret();
      expect(generated).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      expect(Buffer.from(generated.slice(6), 'base64')).toHaveLength(32);
      expect(() => new Webhook(generated)).not.toThrow();
    }
  });

  it('when a message is signed, then the signature is the one the standardwebhooks library computes', () => {
    const timestamp = 1_800_000_000;
    expect(signPayload(secret, 'whd_1', timestamp, body)).toBe(new Webhook(secret).sign('whd_1', new Date(timestamp * 1000), body));
    expect(signPayload(secret, 'whd_1', timestamp, body)).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
  });

  it('when a receiver verifies a fresh delivery, then it passes; tampered, stale, replayed under another id or wrongly keyed ones fail', () => {
    const headers = headersAt([secret], 1_800_000_000);
    expect(verifySignature(secret, headers, body, 1_800_000_010)).toBe(true);
    expect(verifySignature(secret, headers, `${body} `, 1_800_000_010)).toBe(false);
    expect(verifySignature(secret, { ...headers, 'webhook-id': 'whd_2' }, body, 1_800_000_010)).toBe(false);
    expect(verifySignature(generateSigningSecret(), headers, body, 1_800_000_010)).toBe(false);
    expect(verifySignature(secret, headers, body, 1_800_001_000)).toBe(false);
    expect(verifySignature(secret, { ...headers, 'webhook-signature': 'v1,abc' }, body, 1_800_000_010)).toBe(false);
    expect(verifySignature(secret, { ...headers, 'webhook-timestamp': '1800000000.5' }, body, 1_800_000_010)).toBe(false);
  });

  it('when two secrets sign a message, then the header carries both signatures, new first, and each secret verifies it', () => {
    const previous = generateSigningSecret();
    const now = Math.floor(Date.now() / 1000);
    const headers = headersAt([secret, previous], now);
    expect(headers['webhook-signature'].split(' ')).toEqual([signPayload(secret, 'whd_1', now, body), signPayload(previous, 'whd_1', now, body)]);
    expect(verifySignature(secret, headers, body, now)).toBe(true);
    expect(verifySignature(previous, headers, body, now)).toBe(true);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(new Webhook(previous).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(generateSigningSecret()).verify(body, headers)).toThrow();
  });

  it('when a secret was issued in the old base64url form, then it still signs with its 32-byte key', () => {
    const key = Buffer.alloc(32, 0xfb);
    const legacy = `whsec_${key.toString('base64url')}`;
    expect(legacy).toMatch(/[-_]/);
    const now = Math.floor(Date.now() / 1000);
    expect(signPayload(legacy, 'whd_1', now, body)).toBe(signPayload(`whsec_${key.toString('base64')}`, 'whd_1', now, body));
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
