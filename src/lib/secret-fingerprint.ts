// A keyed fingerprint of a client secret (HMAC-SHA-256 under a key derived from the server key):
// stored on the SA's row so that the bridge can tell which secret Keycloak holds without keeping
// the secret. Without the server key a fingerprint cannot be tested against guesses.
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

export class SecretFingerprints {
  private readonly key: Buffer;

  constructor(serverKey: Buffer) {
    if (serverKey.length !== 32) throw new Error('the server key must be 32 bytes');
    this.key = Buffer.from(hkdfSync('sha256', serverKey, Buffer.alloc(0), 'sa-bridge client-secret fingerprint v1', 32));
  }

  /** 64 lowercase hex characters. */
  of(secret: string): string {
    return createHmac('sha256', this.key).update(secret, 'utf8').digest('hex');
  }

  matches(secret: string | undefined, fingerprint: string | null): boolean {
    if (secret === undefined || fingerprint === null) return false;
    const a = Buffer.from(this.of(secret), 'hex');
    const b = Buffer.from(fingerprint, 'hex');
    return a.length === b.length && timingSafeEqual(a, b);
  }
}
