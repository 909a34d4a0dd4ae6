// The keys of a service account that are not revoked (active and expired), newest first: anyone
// who may read the SA may see them; nothing shown can be used to authenticate.
import type { ApiKeyRow } from '../api-key-repository.ts';
import { authorizeKeyRead, findServiceAccountOrFail, type ApiKeyContext, type ApiKeyDeps } from './context.ts';

export async function listApiKeys(
  deps: Pick<ApiKeyDeps, 'repository' | 'serviceAccounts' | 'policies'>,
  ctx: ApiKeyContext,
  serviceAccountId: string,
): Promise<{ rows: ApiKeyRow[]; maxLifetimeDays: number | null }> {
  authorizeKeyRead(ctx);
  const account = await findServiceAccountOrFail(deps, ctx, serviceAccountId);
  const policy = await deps.policies.readCurrent(ctx.tenant);
  return { rows: await deps.repository.listUnrevoked(account.id), maxLifetimeDays: policy.maxApiKeyLifetimeDays };
}
