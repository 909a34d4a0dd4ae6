// Revokes one key of a service account: it is refused from the next request on (every request
// reads the key's row). Audited with the revocation in one transaction.
import { auditActions } from '../../audit/audit-actions.ts';
import { NotFoundError } from '../../errors/app-error.ts';
import { apiKeyTarget, authorizeKeyChange, findServiceAccountOrFail, nowOf, type ApiKeyContext, type ApiKeyDeps } from './context.ts';

export async function revokeApiKey(deps: ApiKeyDeps, ctx: ApiKeyContext, serviceAccountId: string, keyId: string): Promise<void> {
  const { repository, audit } = deps;
  const account = await findServiceAccountOrFail(deps, ctx, serviceAccountId);
  await authorizeKeyChange(deps, ctx, account, auditActions.apiKeyRevoked, apiKeyTarget(keyId));
  const notFound = () => new NotFoundError('api_key_not_found', `No API key ${keyId} of this service account (or it is revoked already)`);
  const key = await repository.findUnrevoked(account.id, keyId);
  if (!key) throw notFound();
  const revoked = await repository.transaction(async (tx) => {
    const row = await repository.revoke(key.id, 'manual', nowOf(deps), tx);
    if (!row) return null;
    await audit.record(
      ctx.audit,
      { action: auditActions.apiKeyRevoked, outcome: 'success', target: apiKeyTarget(key.id), details: { reason: 'manual', service_account_id: account.id, name: key.name, last_four: key.lastFour } },
      tx,
    );
    return row;
  });
  if (!revoked) throw notFound();
}
