// Authenticates a request made with an API key, as its service account with the SA's inherited
// role (the same principal its JWT gives). In order:
// 1. format and checksum: a mistyped or made-up key is refused without touching the database;
// 2. one indexed query by the key's HMAC reads the key, its SA and its tenant's policy, then the
//    hash is compared again in constant time (the HMAC of a key found before is remembered by a
//    digest of the key, see knownKeys);
// 3. revoked, expired (audited once), SA not active, or keys switched off by the tenant policy:
//    401, from the first request on (the lookup may come from api-key-credential-cache.ts, which
//    drops a key as soon as any of these change; expiry is checked against the clock here);
// 4. what the use records: a first use from an address is audited (the addresses a key was used
//    from are a table; this process remembers those it has seen, so a known address costs nothing);
//    last_used_at is written at most once a minute per key (also the SA's own last_used_at, so
//    "unused for" filters see it).
import { hash as digestOf } from 'node:crypto';
import type { Logger } from 'pino';
import { auditActions } from '../audit/audit-actions.ts';
import { systemAuditContext, type AuditService } from '../audit/audit-service.ts';
import { checkApiKeyShape, sameHash, type ApiKeyAuthenticator, type ApiKeyHasher, type RequestOrigin } from '../auth/api-key-credentials.ts';
import type { Principal } from '../auth/principal.ts';
import { roles, type Role } from '../auth/roles.ts';
import { describeInactive } from '../auth/service-account-identity.ts';
import { DatabaseUnavailableError, InvalidTokenError } from '../errors/app-error.ts';
import type { ServiceAccountRepository } from '../service-accounts/service-account-repository.ts';
import { effectiveExpiry, isExpired } from './api-key-policy.ts';
import type { ApiKeyCredentialRecord, ApiKeyRepository } from './api-key-repository.ts';

export interface ApiKeyAuthenticationDeps {
  repository: Pick<ApiKeyRepository, 'findForAuthentication' | 'recordUse' | 'rememberAddress' | 'markExpired'>;
  serviceAccounts: Pick<ServiceAccountRepository, 'recordLastUsed'>;
  hasher: ApiKeyHasher;
  audit: AuditService;
  logger: Logger;
  platformRealm: string;
  /** How often last_used_at may be written per key (default one minute). */
  lastUsedWriteIntervalMs?: number;
  /** How many (key, address) pairs this process remembers as recorded (default 10,000). */
  knownAddressesMax?: number;
  /** How many keys' HMACs this process remembers, by a digest of the key (default 10,000). */
  knownKeysMax?: number;
  now?: () => Date;
}

export const API_KEY_EXPIRY_COMPONENT = 'api-key-expiry';

export function createApiKeyAuthenticationService(deps: ApiKeyAuthenticationDeps): ApiKeyAuthenticator {
  const interval = deps.lastUsedWriteIntervalMs ?? 60_000;
  const now = deps.now ?? (() => new Date());
  const knownAddressesMax = deps.knownAddressesMax ?? 10_000;
  /** Keys whose last-use write is in flight in this process: a burst writes once. */
  const writing = new Set<string>();
  /** When this process last wrote (or tried to write) each key's last use: the looked-up row may be remembered, so older. */
  const lastWritten = new Map<string, number>();
  /** `<key id> <address>` pairs already in api_key_addresses, oldest first. */
  const knownAddresses = new Set<string>();
  const knownKeysMax = deps.knownKeysMax ?? 10_000;
  /**
   * SHA-256 of a key this process found in the database → the key's HMAC. Making the HMAC (a new
   * HMAC context per call) was 7.5 % of an API-key request's CPU in the bench's profile; a plain
   * digest costs a tenth of that. Holds digests and HMACs, never a key; a key not found is not
   * remembered, so made-up keys cannot fill it.
   */
  const knownKeys = new Map<string, string>();

  function hmacOf(key: string, digest: string): string {
    return knownKeys.get(digest) ?? deps.hasher.hash(key);
  }

  function rememberKey(digest: string, keyHash: string): void {
    if (knownKeys.has(digest)) return;
    if (knownKeys.size >= knownKeysMax) knownKeys.delete(knownKeys.keys().next().value!);
    knownKeys.set(digest, keyHash);
  }

  function rememberKnown(pair: string): void {
    if (knownAddresses.size >= knownAddressesMax) knownAddresses.delete(knownAddresses.values().next().value!);
    knownAddresses.add(pair);
  }

  async function lookUp(hash: string): Promise<ApiKeyCredentialRecord | null> {
    try {
      return await deps.repository.findForAuthentication(hash);
    } catch (error) {
      throw new DatabaseUnavailableError(error);
    }
  }

  async function recordExpiry(record: ApiKeyCredentialRecord, time: Date): Promise<void> {
    if (record.expiredAt !== null) return;
    try {
      if (await deps.repository.markExpired(record.id, time)) {
        await deps.audit.record(systemAuditContext(record.tenant, API_KEY_EXPIRY_COMPONENT), {
          action: auditActions.apiKeyExpired,
          outcome: 'success',
          target: { type: 'api_key', id: record.id },
          details: { service_account_id: record.serviceAccountId, expired_at: effectiveExpiry(record, record.maxApiKeyLifetimeDays)?.toISOString() ?? null },
        });
      }
    } catch (error) {
      deps.logger.warn({ err: error, apiKeyId: record.id }, 'recording an API key expiry failed');
    }
  }

  async function auditNewAddress(record: ApiKeyCredentialRecord, principal: Principal, origin: RequestOrigin): Promise<void> {
    await deps.audit.record(
      { tenant: record.tenant, actorTenant: record.tenant, actor: { ...principal.actor }, apiKeyId: record.id, requestId: origin.requestId, ip: origin.ip, userAgent: origin.userAgent },
      {
        action: auditActions.apiKeyUsedFromNewAddress,
        outcome: 'success',
        target: { type: 'api_key', id: record.id },
        details: { service_account_id: record.serviceAccountId, ip: origin.ip },
      },
    );
  }

  function lastUseDue(record: ApiKeyCredentialRecord, time: Date): boolean {
    const lastUse = Math.max(record.lastUsedAt?.getTime() ?? Number.NEGATIVE_INFINITY, lastWritten.get(record.id) ?? Number.NEGATIVE_INFINITY);
    return time.getTime() - lastUse >= interval && !writing.has(record.id);
  }

  /** Most uses: a known address and last_used_at not due. Checked without entering recordUse's promise. */
  function nothingToRecord(record: ApiKeyCredentialRecord, origin: RequestOrigin, time: Date): boolean {
    return (!origin.ip || knownAddresses.has(`${record.id} ${origin.ip}`)) && !lastUseDue(record, time);
  }

  async function recordUse(record: ApiKeyCredentialRecord, principal: Principal, origin: RequestOrigin, time: Date): Promise<void> {
    try {
      const pair = origin.ip ? `${record.id} ${origin.ip}` : undefined;
      if (pair && !knownAddresses.has(pair)) {
        // Another bridge, or this one before a restart, may have recorded it: only a new row is audited.
        if (await deps.repository.rememberAddress(record.id, origin.ip!, time)) await auditNewAddress(record, principal, origin);
        rememberKnown(pair);
      }
      if (lastUseDue(record, time)) {
        writing.add(record.id);
        if (lastWritten.size >= knownAddressesMax) lastWritten.delete(lastWritten.keys().next().value!);
        lastWritten.set(record.id, time.getTime());
        try {
          if (await deps.repository.recordUse(record.id, time, origin.ip, interval)) {
            await deps.serviceAccounts.recordLastUsed(record.tenant, record.clientId, time);
          }
        } finally {
          writing.delete(record.id);
        }
      }
    } catch (error) {
      // Bookkeeping must not fail a request that authenticated.
      deps.logger.warn({ err: error, apiKeyId: record.id }, 'recording an API key use failed');
    }
  }

  return {
    async authenticate(key, origin) {
      const shape = checkApiKeyShape(key);
      if (shape === 'malformed') {
        throw new InvalidTokenError('The API key is malformed: expected sab_, 32 letters or digits, _ and a 6-character checksum');
      }
      if (shape === 'bad_checksum') throw new InvalidTokenError("The API key's checksum does not match: it was mistyped, truncated or made up");

      const digest = digestOf('sha256', key, 'base64');
      const hash = hmacOf(key, digest);
      const record = await lookUp(hash);
      if (!record || !sameHash(hash, record.keyHash)) throw new InvalidTokenError('The API key is not valid (unknown or revoked)');
      rememberKey(digest, hash);
      if (record.revokedAt !== null) throw new InvalidTokenError('The API key is not valid (unknown or revoked)');
      const time = now();
      if (isExpired(record, record.maxApiKeyLifetimeDays, time)) {
        await recordExpiry(record, time);
        const until = effectiveExpiry(record, record.maxApiKeyLifetimeDays) ?? record.expiredAt;
        throw new InvalidTokenError(`The API key expired${until ? ` at ${until.toISOString()}` : ''}; create a new one`);
      }
      if (record.serviceAccountStatus !== 'active') throw new InvalidTokenError(describeInactive(record.serviceAccountStatus));
      if (!record.apiKeysAllowed) throw new InvalidTokenError("API keys are switched off by this tenant's policy");

      const expiresAt = effectiveExpiry(record, record.maxApiKeyLifetimeDays);
      const principal: Principal = {
        realm: record.tenant,
        role: inheritedRole(record.role, record.tenant, deps.platformRealm),
        actor: { type: 'service_account', id: record.keycloakUserId ?? record.serviceAccountId, name: record.clientId },
        clientId: record.clientId,
        tokenId: undefined,
        serviceAccountId: record.serviceAccountId,
        issuedAt: undefined,
        expiresAt: expiresAt ? Math.floor(expiresAt.getTime() / 1000) : Number.POSITIVE_INFINITY,
        apiKeyId: record.id,
      };
      if (!nothingToRecord(record, origin, time)) await recordUse(record, principal, origin, time);
      return principal;
    },
  };
}

/** The SA's stored role, with the token rule that cpi-admin counts only in the platform realm. */
function inheritedRole(stored: string, realm: string, platformRealm: string): Role | null {
  if (!(roles as readonly string[]).includes(stored)) return null;
  if (stored === 'cpi-admin' && realm !== platformRealm) return null;
  return stored as Role;
}
