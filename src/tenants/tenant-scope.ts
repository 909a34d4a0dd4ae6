// Which tenant a request acts on: the caller's own realm, or for cpi-admin the realm named by
// `?tenant=`. Naming another tenant without cpi-admin is refused.
import type { Principal } from '../auth/principal.ts';
import { InsufficientRoleError, NotFoundError } from '../errors/app-error.ts';
import type { TenantDirectory } from './tenant-directory.ts';

export class TenantScopeResolver {
  constructor(private readonly tenants: TenantDirectory) {}

  async resolve(principal: Principal, requested: string | undefined): Promise<string> {
    if (requested === undefined || requested === principal.realm) return principal.realm;
    if (principal.role !== 'cpi-admin') {
      throw new InsufficientRoleError('Only cpi-admin may act on another tenant');
    }
    if (!(await this.tenants.isKnownRealm(requested))) throw new NotFoundError('tenant_not_found', `No tenant named ${requested}`);
    return requested;
  }
}
