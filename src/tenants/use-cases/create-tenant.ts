// POST /v1/tenants: a new realm from the template, as a saga. The realm name is claimed in our
// database first (`provisioning`), then Keycloak: the realm (roles, `portal` client, event
// settings), the bridge's configuration of it (rotation policy, exchange client, portal audience
// mappers), the first tenant-admins; then the row becomes `active` with the audit events and the
// `tenant.created` webhook in one transaction. A failure after the realm exists deletes it.
// Keycloak gives the admin client that creates a realm every management role of it, which covers
// what the bridge needs there (checked against 26.7).
import { randomBytes } from 'node:crypto';
import { auditActions } from '../../audit/audit-actions.ts';
import { AppError } from '../../errors/app-error.ts';
import { KeycloakConflictError } from '../../keycloak/keycloak-errors.ts';
import { renderTenantRealm } from '../../keycloak/realm-template.ts';
import { applyPolicyChange, DEFAULT_TENANT_POLICY, findPolicyProblem } from '../tenant-policy.ts';
import { TenantExistsError, type TenantRow } from '../tenant-repository.ts';
import type { CreateTenantInput, TenantAdminInvite } from '../tenant-schemas.ts';
import { requireCpiAdmin, tenantTarget, type TenantContext, type TenantDeps } from './context.ts';

export interface CreatedAdmin {
  id: string;
  username: string;
  email: string | null;
  credential: 'email' | 'temporary_password';
  emailSent: boolean | null;
  temporaryPassword?: string;
}

export interface CreatedTenant {
  tenant: TenantRow;
  added: string[];
  admins: CreatedAdmin[];
}

/** Keycloak's required actions for a first tenant-admin. */
const FIRST_SIGN_IN_ACTIONS = ['UPDATE_PASSWORD'];

export async function createTenant(deps: TenantDeps & { minSecretAgeSeconds: number }, ctx: TenantContext, input: CreateTenantInput): Promise<CreatedTenant> {
  const { repository, realmAdmin, audit } = deps;
  const realm = input.realm;
  const target = tenantTarget(realm);
  await requireCpiAdmin(deps, ctx, auditActions.tenantCreated, realm);

  const policy = applyPolicyChange(DEFAULT_TENANT_POLICY, input.policy ?? {});
  const problem = findPolicyProblem(policy, { minSecretAgeSeconds: deps.minSecretAgeSeconds });
  if (problem) throw new AppError('invalid_request', problem.detail, { errors: [{ ...problem.error, path: problem.error.path.replace('body.', 'body.policy.') }] });
  if (realm === deps.platformRealm) throw new AppError('realm_exists', `${realm} is the platform realm`);
  if (await realmAdmin.findRealm(realm)) throw new AppError('realm_exists', `Keycloak already has a realm ${realm}: adopt it with {"realm": "${realm}", "adopt": true}`);

  try {
    const { registeredAudiences: _registered, ...columns } = policy;
    await repository.claimTenant(realm, { displayName: input.display_name, origin: 'created', policy: columns });
  } catch (error) {
    if (error instanceof TenantExistsError) throw new AppError('tenant_exists', `A tenant ${realm} exists`);
    throw error;
  }

  let realmMayExist = false;
  try {
    realmMayExist = true;
    try {
      await realmAdmin.createRealm(renderTenantRealm(realm, input.display_name, deps.roleNames));
    } catch (error) {
      if (error instanceof KeycloakConflictError) {
        // Someone made it a moment ago: it is not ours to delete.
        realmMayExist = false;
        throw new AppError('realm_exists', `Keycloak already has a realm ${realm}`);
      }
      throw error;
    }
    const added = ['realm', ...(await deps.setup.configureRealm(realm))];
    const admins: CreatedAdmin[] = [];
    for (const invite of input.admins ?? []) admins.push(await createFirstAdmin(deps, realm, invite));

    const active = await repository.transaction(async (tx) => {
      const activated = await repository.transitionTenant(realm, ['provisioning'], 'active', {}, tx);
      if (!activated) throw new Error(`tenant ${realm} left provisioning while being created`);
      await audit.record(ctx.audit, { action: auditActions.tenantCreated, outcome: 'success', target, details: { display_name: input.display_name, origin: 'created', added } }, tx);
      for (const admin of admins) {
        await audit.record(
          ctx.audit,
          { action: auditActions.tenantAdminCreated, outcome: 'success', target, details: { user_id: admin.id, username: admin.username, credential: admin.credential, email_sent: admin.emailSent } },
          tx,
        );
      }
      await deps.webhooks.enqueue(deps.platformRealm, 'tenant.created', { tenant: { realm, display_name: input.display_name, origin: 'created' } }, tx);
      return activated;
    });
    deps.registry.add([realm]);
    return { tenant: active, added, admins };
  } catch (error) {
    deps.logger.warn({ err: error, realm }, 'tenant create failed; compensating');
    if (realmMayExist) {
      await realmAdmin.deleteRealm(realm).catch((cleanup: unknown) => deps.logger.error({ err: cleanup, realm }, 'deleting the half-made realm failed; the reconciler retries'));
    }
    deps.setup.forget(realm);
    await repository.transitionTenant(realm, ['provisioning'], 'deleted').catch(() => undefined);
    await audit.recordSafely(ctx.audit, { action: auditActions.tenantCreated, outcome: 'failed', target, details: { reason: error instanceof AppError ? error.code : 'keycloak_unavailable' } });
    throw error;
  }
}

async function createFirstAdmin(deps: Pick<TenantDeps, 'realmAdmin' | 'roleNames'>, realm: string, invite: TenantAdminInvite): Promise<CreatedAdmin> {
  const credential = invite.credential ?? 'email';
  const username = invite.username ?? invite.email!.toLowerCase();
  const temporaryPassword = credential === 'temporary_password' ? randomBytes(18).toString('base64url') : undefined;
  const id = await deps.realmAdmin
    .createUser(realm, {
    username,
    email: invite.email,
    firstName: invite.first_name,
    lastName: invite.last_name,
    realmRole: deps.roleNames.tenantAdmin,
    temporaryPassword,
    requiredActions: credential === 'email' ? [...FIRST_SIGN_IN_ACTIONS, 'VERIFY_EMAIL'] : FIRST_SIGN_IN_ACTIONS,
    })
    .catch((error: unknown) => {
      if (error instanceof KeycloakConflictError) throw new AppError('invalid_request', `Keycloak refused the admin ${username}: the username or email is taken`, { errors: [{ path: 'body.admins', message: `${username} is taken` }] });
      throw error;
    });
  const emailSent = credential === 'email' ? await deps.realmAdmin.sendActionsEmail(realm, id, [...FIRST_SIGN_IN_ACTIONS, 'VERIFY_EMAIL']) : null;
  return { id, username, email: invite.email ?? null, credential, emailSent, ...(temporaryPassword && { temporaryPassword }) };
}
