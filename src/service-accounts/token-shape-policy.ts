// A service account's token shape against its tenant policy, as pure functions: scopes and
// audiences only from the policy's allow-lists, the lifetime clamped to its maximum.
import { AppError } from '../errors/app-error.ts';
import type { TokenShape } from '../keycloak/client-shape.ts';
import type { TenantPolicy } from '../tenants/tenant-repository.ts';

export interface TokenShapeInput {
  access_token_ttl?: number;
  scopes?: string[];
  claims?: Record<string, string>;
  audience?: string[];
}

/** The shape an SA has now, as stored. */
export interface CurrentTokenShape {
  requestedAccessTokenTtl: number | null;
  scopes: string[];
  claims: unknown;
  audiences: string[];
}

/** The lifetime in force: what was asked (or the tenant default), never above the tenant maximum. */
export function effectiveTokenTtl(requested: number | null, policy: Pick<TenantPolicy, 'maxAccessTokenTtl' | 'defaultAccessTokenTtl'>): number {
  return Math.min(requested ?? policy.defaultAccessTokenTtl, policy.maxAccessTokenTtl);
}

export function hasShapeChange(input: TokenShapeInput): boolean {
  return input.access_token_ttl !== undefined || input.scopes !== undefined || input.claims !== undefined || input.audience !== undefined;
}

/**
 * The token shape after `input` is applied to `current` (or to nothing, for a create), and the
 * columns that record it. Throws a 400 listing every scope and audience outside the policy.
 */
export function resolveTokenShape(input: TokenShapeInput, policy: TenantPolicy, current?: CurrentTokenShape) {
  const scopes = input.scopes ?? current?.scopes ?? [];
  const audiences = input.audience ?? current?.audiences ?? [];
  const claims = input.claims ?? ((current?.claims ?? {}) as Record<string, string>);
  const errors = [
    ...scopes.filter((sc) => !policy.allowedScopes.includes(sc)).map((sc) => ({ path: 'body.scopes', message: `${sc} is not an allowed scope of this tenant` })),
    ...audiences.filter((a) => !policy.allowedAudiences.includes(a)).map((a) => ({ path: 'body.audience', message: `${a} is not an allowed audience of this tenant` })),
  ];
  if (errors.length) throw new AppError('invalid_request', 'The token shape is outside the tenant policy', { errors });
  const requested = input.access_token_ttl ?? current?.requestedAccessTokenTtl ?? null;
  const shape: TokenShape = { accessTokenTtl: effectiveTokenTtl(requested, policy), scopes, claims, audiences };
  const columns = { requestedAccessTokenTtl: requested, accessTokenTtl: shape.accessTokenTtl, scopes, claims, audiences };
  return { shape, columns };
}
