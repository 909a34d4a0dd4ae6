// Delivery signatures per the Standard Webhooks spec (https://www.standardwebhooks.com):
// the signing secret is `whsec_` + base64 of 32 random bytes, the HMAC key is the decoded part,
// and `Webhook-Signature` holds space-separated `v1,<base64 HMAC-SHA-256 of "<id>.<timestamp>.<body>">`
// (one per secret in force, e.g. the new and the previous one during a rotation overlap).
// Receivers can use the `standardwebhooks` package or verifySignature below.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const secretPrefix = 'whsec_';

export function generateSigningSecret(): string {
  return `${secretPrefix}${randomBytes(32).toString('base64')}`;
}

/**
 * The HMAC key of a secret: the base64 part after `whsec_`, decoded. Node's decoder also reads
 * the base64url secrets issued before the spec format, so those endpoints keep working.
 */
function signingKeyOf(secret: string): Buffer {
  const key = Buffer.from(secret.startsWith(secretPrefix) ? secret.slice(secretPrefix.length) : secret, 'base64');
  if (key.length === 0) throw new Error('the signing secret is empty');
  return key;
}

/** `v1,<base64 signature>` of one message under one secret. */
export function signPayload(secret: string, messageId: string, timestamp: number, body: string): string {
  return `v1,${createHmac('sha256', signingKeyOf(secret)).update(`${messageId}.${timestamp}.${body}`).digest('base64')}`;
}

/** The `Webhook-Signature` value: one signature per secret, in the order given. */
export function signatureHeader(secrets: string[], messageId: string, timestamp: number, body: string): string {
  return secrets.map((secret) => signPayload(secret, messageId, timestamp, body)).join(' ');
}

export interface SignedHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/**
 * What a receiver does: true when the timestamp is within `toleranceSeconds` of now and one of
 * the `v1` signatures matches the body under `secret`.
 */
export function verifySignature(secret: string, headers: SignedHeaders, body: string, nowSeconds: number, toleranceSeconds = 300): boolean {
  const messageId = headers['webhook-id'];
  const timestampText = headers['webhook-timestamp'];
  const signatures = headers['webhook-signature'];
  if (!messageId || !signatures || !/^\d+$/.test(timestampText ?? '')) return false;
  const timestamp = Number(timestampText);
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(signPayload(secret, messageId, timestamp, body));
  return signatures.split(' ').some((candidate) => {
    const given = Buffer.from(candidate);
    return candidate.startsWith('v1,') && given.length === expected.length && timingSafeEqual(given, expected);
  });
}

/** SecretBox context of a previous signing secret, so it cannot be swapped with the current one. */
export function previousSecretContext(webhookId: string): string {
  return `${webhookId}#previous`;
}
