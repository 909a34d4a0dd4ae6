// Which tenant a request acts on: the caller's own realm, or for cpi-admin the realm named by
// `?tenant=`. Naming another tenant without cpi-admin is refused.
import { InsufficientRoleError, NotFoundError } from '../errors/app-error.ts';
import type { Principal } from './principal.ts';

export type TenantScope = (principal: Principal, requested: string | undefined) => Promise<string>;

export function createTenantScope(isKnownRealm: (realm: string) => Promise<boolean>): TenantScope {
  return async function resolveTenant(principal, requested) {
    if (requested === undefined || requested === principal.realm) return principal.realm;
    if (principal.role !== 'cpi-admin') {
      throw new InsufficientRoleError('Only cpi-admin may act on another tenant');
    }
    if (!(await isKnownRealm(requested))) throw new NotFoundError('tenant_not_found', `No tenant named ${requested}`);
    return requested;
  };
}
