// Idempotency-Key (IETF httpapi draft "The Idempotency-Key HTTP Header Field") for POSTs:
//  - the first request with a key runs and its response is stored;
//  - a retry with the same key and the same request gets the stored response again;
//  - the same key with a different request is 422; a retry while the first runs is 409.
// Keys are scoped to (tenant, actor). Stored responses contain secrets shown once, so they are
// kept only as AES-256-GCM ciphertext under a server key, and expire after 24 hours.
// 5xx outcomes are not stored: the operation did not happen, so a retry should run it again.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { AppError } from '../errors/app-error.ts';
import type { SecretBox } from '../lib/secret-box.ts';
import type { IdempotencyRepository, IdempotencyScope } from './idempotency-repository.ts';
import { newIdempotencyRecordId } from '../lib/ids.ts';

export interface StoredResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export type { IdempotencyScope } from './idempotency-repository.ts';

export interface IdempotencyOptions {
  ttlMs?: number;
  /** An in-progress record older than this is treated as abandoned (its process died). */
  leaseMs?: number;
}

/**
 * The Idempotency-Key request header. The draft sends the key as a structured-field string
 * ("..."); a bare token is accepted too. 1-255 printable ASCII characters.
 */
export const idempotencyKeyHeaders = z.object({
  'Idempotency-Key': z
    .string()
    .transform((header) => {
      const trimmed = header.trim();
      return trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"') ? trimmed.slice(1, -1) : trimmed;
    })
    .pipe(z.string().regex(/^[\x21-\x7e]{1,255}$/, 'must be 1-255 printable ASCII characters'))
    .optional()
    .meta({
      description: 'Makes a retried create safe: the same key and body replay the first answer (Idempotent-Replayed: true) for 24 hours',
      example: '"create-ci-1"',
    }),
});

export function hashRequest(parts: { method: string; path: string; body: unknown }): string {
  return createHash('sha256').update(JSON.stringify([parts.method, parts.path, canonicalize(parts.body)])).digest('base64url');
}

function canonicalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonicalize);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value as object).sort().map((k) => [k, canonicalize((value as Record<string, unknown>)[k])]));
  }
  return value;
}

export class IdempotencyService {
  private readonly ttlMs: number;
  private readonly leaseMs: number;

  constructor(
    private readonly repository: IdempotencyRepository,
    private readonly box: SecretBox,
    options: IdempotencyOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 24 * 60 * 60 * 1000;
    this.leaseMs = options.leaseMs ?? 60_000;
  }

  async run(scope: IdempotencyScope, requestHash: string, operation: () => Promise<StoredResponse>): Promise<StoredResponse & { replayed: boolean }> {
    const claimed = await this.claim(scope, requestHash);
    if (claimed.kind === 'replay') return { ...claimed.response, replayed: true };
    let response: StoredResponse;
    try {
      response = await operation();
    } catch (error) {
      const status = error instanceof AppError ? error.status : 500;
      if (status >= 500 || !(error instanceof AppError)) await this.release(claimed.id);
      else await this.complete(claimed.id, { status, body: { __error: true, code: error.code, detail: error.detail } });
      throw error;
    }
    if (response.status >= 500) await this.release(claimed.id);
    else await this.complete(claimed.id, response);
    return { ...response, replayed: false };
  }

  private async claim(scope: IdempotencyScope, requestHash: string): Promise<{ kind: 'run'; id: string } | { kind: 'replay'; response: StoredResponse }> {
    const now = new Date();
    const id = newIdempotencyRecordId();
    const lifetime = { createdAt: now, expiresAt: new Date(now.getTime() + this.ttlMs) };
    if (await this.repository.insertInProgress({ id, scope, requestHash, ...lifetime })) return { kind: 'run', id };
    const existing = await this.repository.find(scope);
    if (!existing) return this.claim(scope, requestHash);
    const expired = existing.expiresAt <= now;
    const abandoned = existing.state === 'in_progress' && now.getTime() - existing.createdAt.getTime() > this.leaseMs;
    if (expired || abandoned) {
      if (await this.repository.takeOver(existing, { id, requestHash, ...lifetime })) return { kind: 'run', id };
      return this.claim(scope, requestHash);
    }
    if (existing.requestHash !== requestHash) {
      throw new AppError('idempotency_key_reused', 'This Idempotency-Key was already used with a different request');
    }
    if (existing.state === 'in_progress' || !existing.responseBody || existing.responseStatus === null) {
      throw new AppError('idempotency_request_in_progress', 'The first request with this Idempotency-Key is still running; retry later', {
        headers: { 'Retry-After': '1' },
      });
    }
    const response = this.decrypt(existing.responseBody, existing.id);
    const body = response.body as { __error?: boolean; code?: string; detail?: string };
    if (body?.__error) throw new AppError(body.code as never, body.detail);
    return { kind: 'replay', response };
  }

  private async complete(id: string, response: StoredResponse): Promise<void> {
    await this.repository.complete(id, response.status, this.encrypt(response, id));
  }

  private async release(id: string): Promise<void> {
    await this.repository.remove(id);
  }

  purgeExpired(now = new Date()): Promise<number> {
    return this.repository.purgeExpired(now);
  }

  // The record id is bound as additional data, so a ciphertext cannot be moved to another record.
  private encrypt(response: StoredResponse, id: string): string {
    return this.box.seal(JSON.stringify(response), id);
  }

  private decrypt(stored: string, id: string): StoredResponse {
    return JSON.parse(this.box.open(stored, id)) as StoredResponse;
  }
}
