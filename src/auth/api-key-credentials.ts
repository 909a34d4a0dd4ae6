// API keys as credentials: their format, the checksum that lets anyone (a secret scanner, the
// bridge itself) refuse a mistyped or made-up key without a database read, and the keyed hash
// that is the only thing ever stored. Pure: no I/O here.
//
//   sab_<32 base62 characters: about 190 random bits>_<6 base62 characters: CRC32 of "sab_<random>">
//
// The prefix makes a leaked key recognisable to secret scanners (and greppable); the checksum,
// like GitHub's token format, tells a real key from a random string of the same shape; the
// underscores keep the key one word, selectable with a double-click. Keys carry enough entropy
// that a fast keyed hash (HMAC-SHA-256) is enough: no slow password hash is needed.
import { createHmac, createSecretKey, hkdfSync, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';
import { crc32 } from 'node:zlib';
import type { Principal } from './principal.ts';

export const API_KEY_PREFIX = 'sab_';
const RANDOM_LENGTH = 32;
const CHECKSUM_LENGTH = 6;
const base62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** The whole key; the README gives the same expression (with word boundaries) for secret scanners. */
export const API_KEY_PATTERN = /^sab_[0-9A-Za-z]{32}_[0-9A-Za-z]{6}$/;

export type ApiKeyShape = 'valid' | 'malformed' | 'bad_checksum';

function toBase62(value: number, length: number): string {
  let out = '';
  let rest = value;
  for (let i = 0; i < length; i += 1) {
    out = base62[rest % 62]! + out;
    rest = Math.floor(rest / 62);
  }
  return out;
}

/** Unbiased base62 characters from the CSPRNG (bytes >= 248 are dropped, 248 = 4 * 62). */
function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && out.length < length) out += base62[byte % 62];
    }
  }
  return out;
}

/** CRC32 of the prefix and the random part, as 6 base62 characters (62^6 > 2^32). */
export function apiKeyChecksum(prefixAndRandom: string): string {
  return toBase62(crc32(prefixAndRandom), CHECKSUM_LENGTH);
}

export function generateApiKey(): string {
  const body = `${API_KEY_PREFIX}${randomBase62(RANDOM_LENGTH)}`;
  return `${body}_${apiKeyChecksum(body)}`;
}

/** Whether a bearer credential is meant as an API key (JWTs start with "eyJ"). */
export function looksLikeApiKey(credential: string): boolean {
  return credential.startsWith(API_KEY_PREFIX);
}

/** Format and checksum only: no database, no secret needed. */
export function checkApiKeyShape(candidate: string): ApiKeyShape {
  if (!API_KEY_PATTERN.test(candidate)) return 'malformed';
  const body = candidate.slice(0, API_KEY_PREFIX.length + RANDOM_LENGTH);
  const given = candidate.slice(-CHECKSUM_LENGTH);
  return apiKeyChecksum(body) === given ? 'valid' : 'bad_checksum';
}

/** What may be shown of a key after it was created: its prefix and its last four characters. */
export function displayPartsOf(key: string): { prefix: string; lastFour: string } {
  return { prefix: API_KEY_PREFIX, lastFour: key.slice(-4) };
}

/**
 * HMAC-SHA-256 of keys under a key derived from the server key (HKDF-SHA-256 with its own label),
 * so the AES key that seals other values is never used for a second purpose. Only this hash is
 * stored; a database dump without the server key cannot be turned back into keys or checked
 * against guesses.
 */
export class ApiKeyHasher {
  // A KeyObject, not a Buffer: createHmac turns a Buffer into a key on every call, which measured
  // 38 µs per hash on Node 24 against 5.6 µs with the KeyObject made once.
  private readonly key: KeyObject;

  constructor(serverKey: Buffer) {
    if (serverKey.length !== 32) throw new Error('the server key must be 32 bytes');
    this.key = createSecretKey(Buffer.from(hkdfSync('sha256', serverKey, Buffer.alloc(0), 'sa-bridge api-key hmac v1', 32)));
  }

  /** 64 lowercase hex characters. */
  hash(key: string): string {
    return createHmac('sha256', this.key).update(key, 'utf8').digest('hex');
  }

  /** Constant-time comparison of a key with a stored hash. */
  matches(key: string, storedHash: string): boolean {
    return sameHash(this.hash(key), storedHash);
  }
}

/** Constant-time comparison of two hex hashes (of equal length; anything else is unequal). */
export function sameHash(computed: string, stored: string): boolean {
  const a = Buffer.from(computed, 'hex');
  const b = Buffer.from(stored, 'hex');
  return a.length === 32 && b.length === 32 && timingSafeEqual(a, b);
}

/** Where a request came from, for what an API key's use records (last use, new addresses). */
export interface RequestOrigin {
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
}

/** Turns an API key into the principal of its service account, or throws InvalidTokenError. */
export interface ApiKeyAuthenticator {
  authenticate(key: string, origin: RequestOrigin): Promise<Principal>;
}
