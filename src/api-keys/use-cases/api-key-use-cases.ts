// The API key use cases bound to their dependencies, as the routes call them. Each lives in its own file.
import type { RequestOrigin } from '../../auth/api-key-credentials.ts';
import type { CreateApiKeyInput } from '../api-key-schemas.ts';
import type { ApiKeyContext, ApiKeyDeps } from './context.ts';
import { createApiKey } from './create-api-key.ts';
import { listApiKeys } from './list-api-keys.ts';
import { revokeApiKey } from './revoke-api-key.ts';
import { revokeLeakedApiKey } from './revoke-leaked-api-key.ts';

export type ApiKeyUseCases = ReturnType<typeof bindApiKeyUseCases>;

export function bindApiKeyUseCases(deps: ApiKeyDeps) {
  return {
    create: (ctx: ApiKeyContext, serviceAccountId: string, input: CreateApiKeyInput) => createApiKey(deps, ctx, serviceAccountId, input),
    list: (ctx: ApiKeyContext, serviceAccountId: string) => listApiKeys(deps, ctx, serviceAccountId),
    revoke: (ctx: ApiKeyContext, serviceAccountId: string, keyId: string) => revokeApiKey(deps, ctx, serviceAccountId, keyId),
    revokeLeaked: (origin: RequestOrigin, candidate: string) => revokeLeakedApiKey(deps, origin, candidate),
  };
}
