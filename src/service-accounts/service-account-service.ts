// Service-account lifecycle. Never sees req/res: it receives a caller, a tenant and an audit
// context, and returns domain values. Keycloak changes come first, our row follows, and each
// remote call that can leave something behind has its compensating action right next to it.
import type { Logger } from 'pino';
import type { Principal } from '../auth/principal.ts';
import { keycloakRoleName } from '../auth/roles.ts';
import type { AuditContext, AuditService } from '../audit/audit-service.ts';
import type { RoleNames } from '../config.ts';
import { AppError, InsufficientRoleError, KeycloakUnavailableError, NotFoundError } from '../errors/app-error.ts';
import { KeycloakConflictError } from '../keycloak/keycloak-errors.ts';
import type { KeycloakAdmin } from '../keycloak/keycloak-admin.ts';
import { decodeCursor, encodeCursor } from '../lib/cursor.ts';
import { newClientId, newServiceAccountId } from '../lib/ids.ts';
import { grantableRole, mayActOnServiceAccount, type ServiceAccountAction } from './permissions.ts';
import { NameTakenError, type ServiceAccountRepository, type ServiceAccountRow } from './service-account-repository.ts';
import type { CreateServiceAccountInput, ListServiceAccountsQuery, UpdateServiceAccountInput } from './service-account-schemas.ts';

export interface ServiceAccountContext {
  principal: Principal;
  tenant: string;
  audit: AuditContext;
}

export interface ServiceAccountServiceDeps {
  repository: ServiceAccountRepository;
  keycloak: KeycloakAdmin;
  audit: AuditService;
  logger: Logger;
  roleNames: RoleNames;
  platformRealm: string;
}

const auditAction = {
  created: 'service_account.created',
  updated: 'service_account.updated',
  disabled: 'service_account.disabled',
  enabled: 'service_account.enabled',
  deleted: 'service_account.deleted',
  secretRegenerated: 'service_account.secret_regenerated',
} as const;

const actionForPermission: Record<ServiceAccountAction, string> = {
  create: auditAction.created,
  read: 'service_account.read',
  update: auditAction.updated,
  regenerate: auditAction.secretRegenerated,
  delete: auditAction.deleted,
};

export class ServiceAccountService {
  constructor(private readonly deps: ServiceAccountServiceDeps) {}

  private target(id: string) {
    return { type: 'service_account', id };
  }

  /** Refuses and audits the refusal; reads are not audited (they change nothing). */
  private async authorize(ctx: ServiceAccountContext, action: ServiceAccountAction, row?: ServiceAccountRow): Promise<void> {
    if (mayActOnServiceAccount(ctx.principal, action, row)) return;
    const message =
      ctx.principal.role === 'devops' && row
        ? 'devops may change only the service accounts it created'
        : `Your role (${ctx.principal.role ?? 'none'}) may not ${action} service accounts`;
    if (action !== 'read') {
      await this.deps.audit.recordSafely(ctx.audit, {
        action: actionForPermission[action],
        outcome: 'denied',
        ...(row && { target: this.target(row.id) }),
        details: { reason: 'insufficient_role', role: ctx.principal.role },
      });
    }
    throw new InsufficientRoleError(message);
  }

  private async findOrFail(ctx: ServiceAccountContext, id: string): Promise<ServiceAccountRow> {
    const row = await this.deps.repository.findLive(ctx.tenant, id);
    if (!row) throw new NotFoundError('service_account_not_found', `No service account ${id} in this tenant`);
    return row;
  }

  async create(ctx: ServiceAccountContext, input: CreateServiceAccountInput): Promise<{ account: ServiceAccountRow; clientSecret: string }> {
    const { repository, keycloak, audit, logger } = this.deps;
    await this.authorize(ctx, 'create');
    const role = grantableRole(ctx.principal.role!, input.role, ctx.tenant === this.deps.platformRealm);
    if (!role) {
      await audit.recordSafely(ctx.audit, {
        action: auditAction.created,
        outcome: 'denied',
        details: { reason: 'role_escalation', name: input.name, requested_role: input.role, caller_role: ctx.principal.role },
      });
      throw new AppError('role_escalation', `You cannot grant ${input.role}: it is above your own role (${ctx.principal.role})`);
    }

    let row: ServiceAccountRow;
    try {
      row = await repository.insertProvisioning({
        id: newServiceAccountId(),
        tenant: ctx.tenant,
        name: input.name,
        description: input.description ?? null,
        clientId: newClientId(input.name),
        role,
        createdByType: ctx.principal.actor.type,
        createdById: ctx.principal.actor.id,
        createdByName: ctx.principal.actor.name,
      } as Parameters<ServiceAccountRepository['insertProvisioning']>[0]);
    } catch (error) {
      if (!(error instanceof NameTakenError)) throw error;
      await audit.recordSafely(ctx.audit, {
        action: auditAction.created,
        outcome: 'failed',
        details: { reason: 'name_taken', name: input.name },
      });
      throw new AppError('name_taken', `A service account named ${input.name} already exists in this tenant`);
    }

    const realm = ctx.tenant;
    let clientUuid: string | undefined;
    try {
      clientUuid = await keycloak.createServiceAccountClient(realm, {
        clientId: row.clientId,
        serviceAccountId: row.id,
        tenant: realm,
        ownerId: ctx.principal.actor.id,
        description: row.description,
      });
      const createdClient = clientUuid;
      const [userId, clientSecret] = await Promise.all([
        keycloak.findServiceAccountUser(realm, createdClient),
        keycloak.readClientSecret(realm, createdClient),
      ]);
      await keycloak.assignRealmRole(realm, userId, keycloakRoleName(role, this.deps.roleNames));
      const account = await repository.transaction(async (tx) => {
        const activated = await repository.transition(
          row.id,
          ['provisioning'],
          { status: 'active', keycloakClientUuid: createdClient, keycloakUserId: userId, secretRotatedAt: new Date() },
          tx,
        );
        if (!activated) throw new Error(`service account ${row.id} left provisioning while being created`);
        await audit.record(
          ctx.audit,
          { action: auditAction.created, outcome: 'success', target: this.target(row.id), details: { name: row.name, client_id: row.clientId, role } },
          tx,
        );
        return activated;
      });
      return { account, clientSecret };
    } catch (error) {
      logger.warn({ err: error, serviceAccountId: row.id }, 'create failed; compensating');
      await this.rollBackProvisioning(realm, row, clientUuid);
      await audit.recordSafely(ctx.audit, {
        action: auditAction.created,
        outcome: 'failed',
        target: this.target(row.id),
        details: { reason: error instanceof KeycloakUnavailableError ? 'keycloak_unavailable' : 'internal_error', name: row.name },
      });
      if (error instanceof KeycloakConflictError) throw new AppError('name_taken', `A Keycloak client ${row.clientId} already exists`);
      throw error;
    }
  }

  /**
   * Undoes a half-done create: deletes the Keycloak client (found by clientId when the create
   * call's answer was lost) and retires the row. If Keycloak is unreachable the row stays
   * `provisioning`, and the reconciler finishes the job later.
   */
  async rollBackProvisioning(realm: string, row: ServiceAccountRow, clientUuid: string | undefined): Promise<boolean> {
    try {
      const uuid = clientUuid ?? (await this.deps.keycloak.findClientByClientId(realm, row.clientId))?.uuid;
      if (uuid) await this.deps.keycloak.deleteServiceAccountClient(realm, uuid);
      await this.deps.repository.transition(row.id, ['provisioning'], { status: 'deleted', deletedAt: new Date() });
      return true;
    } catch (error) {
      this.deps.logger.error({ err: error, serviceAccountId: row.id }, 'compensation failed; the reconciler will retry');
      return false;
    }
  }

  async list(ctx: ServiceAccountContext, query: ListServiceAccountsQuery): Promise<{ items: ServiceAccountRow[]; nextCursor: string | null }> {
    await this.authorize(ctx, 'read');
    const rows = await this.deps.repository.list({
      tenant: ctx.tenant,
      limit: query.limit,
      after: query.cursor ? decodeCursor(query.cursor) : undefined,
      q: query.q,
      status: query.status,
    });
    const items = rows.slice(0, query.limit);
    const last = items.at(-1);
    return { items, nextCursor: rows.length > query.limit && last ? encodeCursor({ time: last.createdAt, id: last.id }) : null };
  }

  async get(ctx: ServiceAccountContext, id: string): Promise<ServiceAccountRow> {
    await this.authorize(ctx, 'read');
    return this.findOrFail(ctx, id);
  }

  async update(ctx: ServiceAccountContext, id: string, input: UpdateServiceAccountInput): Promise<ServiceAccountRow> {
    const { repository, keycloak, audit } = this.deps;
    const row = await this.findOrFail(ctx, id);
    await this.authorize(ctx, 'update', row);
    if (row.status === 'deleting') throw new AppError('invalid_state', 'The service account is being deleted');

    const descriptionChanges = input.description !== undefined && input.description !== row.description;
    const wantEnabled = input.enabled;
    const enabledChanges = wantEnabled !== undefined && wantEnabled !== (row.status === 'active');
    if (!descriptionChanges && !enabledChanges) return row;

    const keycloakChanges = {
      ...(enabledChanges && { enabled: wantEnabled }),
      ...(descriptionChanges && { description: input.description ?? null }),
    };
    const events: Array<{ action: string; details: Record<string, unknown> }> = [];
    if (descriptionChanges) events.push({ action: auditAction.updated, details: { fields: ['description'] } });
    if (enabledChanges) events.push({ action: wantEnabled ? auditAction.enabled : auditAction.disabled, details: {} });

    try {
      await keycloak.updateServiceAccountClient(ctx.tenant, row.keycloakClientUuid!, keycloakChanges);
    } catch (error) {
      for (const e of events) {
        await audit.recordSafely(ctx.audit, { action: e.action, outcome: 'failed', target: this.target(row.id), details: { reason: 'keycloak_unavailable' } });
      }
      throw error;
    }
    try {
      return await repository.transaction(async (tx) => {
        const updated = await repository.update(
          row.id,
          {
            ...(descriptionChanges && { description: input.description ?? null }),
            ...(enabledChanges && { status: wantEnabled ? 'active' : 'disabled' }),
          },
          tx,
        );
        for (const e of events) {
          await audit.record(ctx.audit, { action: e.action, outcome: 'success', target: this.target(row.id), details: e.details }, tx);
        }
        return updated;
      });
    } catch (error) {
      // Put Keycloak back the way our row says it is.
      await keycloak
        .updateServiceAccountClient(ctx.tenant, row.keycloakClientUuid!, {
          ...(enabledChanges && { enabled: row.status === 'active' }),
          ...(descriptionChanges && { description: row.description }),
        })
        .catch((revertError: unknown) => this.deps.logger.error({ err: revertError, serviceAccountId: row.id }, 'reverting Keycloak failed'));
      throw error;
    }
  }

  async remove(ctx: ServiceAccountContext, id: string): Promise<void> {
    const { repository, audit } = this.deps;
    const row = await this.findOrFail(ctx, id);
    await this.authorize(ctx, 'delete', row);
    const deleting = await repository.transition(row.id, ['active', 'disabled', 'deleting'], { status: 'deleting' });
    if (!deleting) throw new NotFoundError('service_account_not_found', `No service account ${id} in this tenant`);
    try {
      await this.completeDeletion(deleting, ctx.audit);
    } catch (error) {
      await audit.recordSafely(ctx.audit, {
        action: auditAction.deleted,
        outcome: 'failed',
        target: this.target(row.id),
        details: { reason: 'keycloak_unavailable', note: 'marked deleting; the reconciler completes it' },
      });
      throw error;
    }
  }

  /** Deletes the client and retires the row; shared by DELETE and the reconciler. */
  async completeDeletion(row: ServiceAccountRow, auditContext: AuditContext): Promise<void> {
    const { repository, keycloak, audit } = this.deps;
    const uuid = row.keycloakClientUuid ?? (await keycloak.findClientByClientId(row.tenant, row.clientId))?.uuid;
    if (uuid) await keycloak.deleteServiceAccountClient(row.tenant, uuid);
    await repository.transaction(async (tx) => {
      const deleted = await repository.transition(row.id, ['deleting'], { status: 'deleted', deletedAt: new Date() }, tx);
      if (!deleted) return;
      await audit.record(auditContext, { action: auditAction.deleted, outcome: 'success', target: this.target(row.id), details: { name: row.name, client_id: row.clientId } }, tx);
    });
  }

  async regenerateSecret(ctx: ServiceAccountContext, id: string): Promise<{ account: ServiceAccountRow; clientSecret: string }> {
    const { repository, keycloak, audit } = this.deps;
    const row = await this.findOrFail(ctx, id);
    await this.authorize(ctx, 'regenerate', row);
    if (row.status === 'deleting') throw new AppError('invalid_state', 'The service account is being deleted');
    let clientSecret: string;
    try {
      clientSecret = await keycloak.regenerateSecret(ctx.tenant, row.keycloakClientUuid!);
    } catch (error) {
      await audit.recordSafely(ctx.audit, {
        action: auditAction.secretRegenerated,
        outcome: 'failed',
        target: this.target(row.id),
        details: { reason: error instanceof KeycloakUnavailableError ? 'keycloak_unavailable' : 'internal_error' },
      });
      throw error;
    }
    const account = await repository.transaction(async (tx) => {
      const updated = await repository.update(row.id, { secretRotatedAt: new Date() }, tx);
      await audit.record(ctx.audit, { action: auditAction.secretRegenerated, outcome: 'success', target: this.target(row.id) }, tx);
      return updated;
    });
    return { account, clientSecret };
  }
}
