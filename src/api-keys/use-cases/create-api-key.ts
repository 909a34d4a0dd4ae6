// A new API key of a service account, shown once. Only its HMAC is stored, with the audit event,
// in one transaction that also holds the SA's key lock (so the live-key limit holds under races).
import { auditActions } from '../../audit/audit-actions.ts';
import { displayPartsOf, generateApiKey } from '../../auth/api-key-credentials.ts';
import { AppError } from '../../errors/app-error.ts';
import { newApiKeyId } from '../../lib/ids.ts';
import { isExpired, MAX_LIVE_API_KEYS, resolveNewKeyExpiry } from '../api-key-policy.ts';
import type { ApiKeyRow } from '../api-key-repository.ts';
import type { CreateApiKeyInput } from '../api-key-schemas.ts';
import { apiKeyTarget, authorizeKeyChange, findServiceAccountOrFail, nowOf, type ApiKeyContext, type ApiKeyDeps } from './context.ts';

export interface CreatedApiKey {
  row: ApiKeyRow;
  /** The key itself: in this answer only. */
  key: string;
  maxLifetimeDays: number | null;
}

export async function createApiKey(deps: ApiKeyDeps, ctx: ApiKeyContext, serviceAccountId: string, input: CreateApiKeyInput): Promise<CreatedApiKey> {
  const { repository, audit } = deps;
  const account = await findServiceAccountOrFail(deps, ctx, serviceAccountId);
  await authorizeKeyChange(deps, ctx, account, auditActions.apiKeyCreated);
  if (account.status === 'deleting') throw new AppError('invalid_state', 'The service account is being deleted');

  const policy = await deps.policies.readCurrent(ctx.tenant);
  if (!policy.apiKeysAllowed) {
    await audit.recordSafely(ctx.audit, {
      action: auditActions.apiKeyCreated,
      outcome: 'denied',
      target: { type: 'service_account', id: account.id },
      details: { reason: 'api_keys_not_allowed', service_account_id: account.id },
    });
    throw new AppError('api_keys_not_allowed', 'The tenant policy does not allow API keys (api_keys_allowed is false)');
  }
  const now = nowOf(deps);
  const expiry = resolveNewKeyExpiry(input.expires_in_days, policy, now);
  if ('problem' in expiry) throw new AppError('invalid_request', expiry.problem.detail, { errors: [expiry.problem.error] });

  const key = generateApiKey();
  const { prefix, lastFour } = displayPartsOf(key);
  const id = newApiKeyId();
  const row = await repository.transaction(async (tx) => {
    await repository.lockKeysOf(account.id, tx);
    const live = (await repository.listUnrevoked(account.id, MAX_LIVE_API_KEYS * 10, tx)).filter((k) => !isExpired(k, policy.maxApiKeyLifetimeDays, now));
    if (live.length >= MAX_LIVE_API_KEYS) {
      throw new AppError('api_key_limit_reached', `A service account may have at most ${MAX_LIVE_API_KEYS} live API keys; revoke one first`);
    }
    const inserted = await repository.insert(
      {
        id,
        tenant: ctx.tenant,
        serviceAccountId: account.id,
        name: input.name,
        keyHash: deps.hasher.hash(key),
        prefix,
        lastFour,
        createdAt: now,
        createdByType: ctx.principal.actor.type,
        createdById: ctx.principal.actor.id,
        createdByName: ctx.principal.actor.name,
        expiresAt: expiry.expiresAt,
      },
      tx,
    );
    await audit.record(
      ctx.audit,
      {
        action: auditActions.apiKeyCreated,
        outcome: 'success',
        target: apiKeyTarget(id),
        details: { service_account_id: account.id, name: input.name, last_four: lastFour, expires_at: expiry.expiresAt?.toISOString() ?? null },
      },
      tx,
    );
    return inserted;
  });
  return { row, key, maxLifetimeDays: policy.maxApiKeyLifetimeDays };
}
