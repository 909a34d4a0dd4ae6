import { randomBytes, randomInt } from 'node:crypto';

const base62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function randomBase62(length: number): string {
  let out = '';
  for (let i = 0; i < length; i += 1) out += base62[randomInt(62)];
  return out;
}

/** 20 base62 characters: about 119 bits, unguessable and URL-safe. */
export const SERVICE_ACCOUNT_ID_PATTERN = /^sa_[0-9A-Za-z]{20}$/;

export function newServiceAccountId(): string {
  return `sa_${randomBase62(20)}`;
}

export function newClientId(name: string): string {
  return `sa-${name}-${randomBytes(3).toString('hex')}`;
}

export function newAuditEventId(): string {
  return `evt_${randomBase62(22)}`;
}

export function newIdempotencyRecordId(): string {
  return `idk_${randomBase62(22)}`;
}

/** An API key's public id (never the key itself): 20 base62 characters. */
export const API_KEY_ID_PATTERN = /^key_[0-9A-Za-z]{20}$/;

export function newApiKeyId(): string {
  return `key_${randomBase62(20)}`;
}
