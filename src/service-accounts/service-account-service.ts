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
import type { KeycloakAdmin, TokenShape } from '../keycloak/keycloak-admin.ts';
import { decodeCursor, encodeCursor } from '../lib/cursor.ts';
import { newClientId, newServiceAccountId } from '../lib/ids.ts';
import { grantableRole, mayActOnServiceAccount, type ServiceAccountAction } from './permissions.ts';
import { NameTakenError, type ServiceAccountRepository, type ServiceAccountRow } from './service-account-repository.ts';
import type { CreateServiceAccountInput, ListServiceAccountsQuery, RotationPolicyInput, UpdateServiceAccountInput } from './service-account-schemas.ts';
import type { Prisma } from '../generated/prisma/client.ts';
import type { TenantPolicy, TenantRepository } from '../tenants/tenant-repository.ts';
import type { WebhookService } from '../webhooks/webhook-service.ts';

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
  tenants: TenantRepository;
  webhooks: WebhookService;
}

const DAY_MS = 86_400_000;

/** What webhooks say about an SA: never a secret. */
export function webhookView(row: ServiceAccountRow) {
  return {
    service_account: {
      id: row.id,
      name: row.name,
      tenant: row.tenant,
      client_id: row.clientId,
      role: row.role,
      status: row.status,
      secret_rotated_at: row.secretRotatedAt?.toISOString() ?? null,
      secret_expires_at: row.secretExpiresAt?.toISOString() ?? null,
      previous_secret_expires_at: row.previousSecretExpiresAt?.toISOString() ?? null,
    },
  };
}

const auditAction = {
  created: 'service_account.created',
  updated: 'service_account.updated',
  disabled: 'service_account.disabled',
  enabled: 'service_account.enabled',
  deleted: 'service_account.deleted',
  secretRegenerated: 'service_account.secret_regenerated',
  secretRotated: 'service_account.secret_rotated',
  previousSecretRevoked: 'service_account.previous_secret_revoked',
  rotationPolicyUpdated: 'service_account.rotation_policy_updated',
  tokenShapeUpdated: 'service_account.token_shape_updated',
  tokenLifetimeReclamped: 'service_account.token_lifetime_reclamped',
} as const;

type ShapeInput = { access_token_ttl?: number; scopes?: string[]; claims?: Record<string, string>; audience?: string[] };

/** The lifetime in force: what was asked (or the tenant default), never above the tenant maximum. */
export function effectiveTokenTtl(requested: number | null, policy: Pick<TenantPolicy, 'maxAccessTokenTtl' | 'defaultAccessTokenTtl'>): number {
  return Math.min(requested ?? policy.defaultAccessTokenTtl, policy.maxAccessTokenTtl);
}

function hasShapeChange(input: ShapeInput): boolean {
  return input.access_token_ttl !== undefined || input.scopes !== undefined || input.claims !== undefined || input.audience !== undefined;
}

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

  private async policyFor(tenant: string): Promise<TenantPolicy> {
    const policy = await this.deps.tenants.findPolicy(tenant);
    if (!policy) throw new NotFoundError('tenant_not_found', `No tenant named ${tenant}`);
    return policy;
  }

  /** The columns a rotation policy sets, after checking it against the tenant's limits. */
  private rotationColumns(input: RotationPolicyInput, policy: TenantPolicy, rotatedAt: Date | null) {
    const errors = [];
    if (input.enabled && input.interval_days! * 86_400 >= policy.maxSecretAgeSeconds) {
      errors.push({ path: 'body.rotation.interval_days', message: `must be below the tenant's maximum secret age (${policy.maxSecretAgeSeconds} s)` });
    }
    if ((input.grace_period_hours ?? 0) * 3600 > policy.maxGracePeriodSeconds) {
      errors.push({ path: 'body.rotation.grace_period_hours', message: `exceeds the tenant's maximum grace period (${policy.maxGracePeriodSeconds} s)` });
    }
    if (errors.length) throw new AppError('invalid_request', 'The rotation policy is outside the tenant policy', { errors });
    return {
      rotationEnabled: input.enabled,
      rotationIntervalDays: input.interval_days ?? null,
      rotationGracePeriodHours: input.grace_period_hours ?? null,
      nextRotationAt: input.enabled ? new Date((rotatedAt ?? new Date()).getTime() + input.interval_days! * DAY_MS) : null,
    };
  }

  /**
   * The token shape after `input` is applied to `current` (or to nothing, for a create), checked
   * against the tenant policy: scopes and audiences only from its allow-lists, the lifetime
   * clamped to its maximum.
   */
  private resolveShape(input: ShapeInput, policy: TenantPolicy, current?: ServiceAccountRow) {
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

    const insert = () =>
      repository.insertProvisioning({
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
    let policy: TenantPolicy;
    let row: ServiceAccountRow;
    try {
      if (input.rotation || input.scopes?.length || input.audience?.length) {
        // Rotation, scopes and audiences are checked against the tenant policy before anything is created.
        policy = await this.policyFor(ctx.tenant);
        if (input.rotation) this.rotationColumns(input.rotation, policy, null);
        this.resolveShape(input, policy);
        row = await insert();
      } else {
        // Nothing to check first: read the policy and claim the name in parallel.
        [policy, row] = await Promise.all([this.policyFor(ctx.tenant), insert()]);
      }
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
    const { shape, columns: shapeColumns } = this.resolveShape(input, policy);
    let clientUuid: string | undefined;
    try {
      const scopeIds = shape.scopes.length > 0 ? await keycloak.ensureClientScopes(realm, shape.scopes) : new Map<string, string>();
      clientUuid = await keycloak.createServiceAccountClient(realm, {
        clientId: row.clientId,
        serviceAccountId: row.id,
        tenant: realm,
        ownerId: ctx.principal.actor.id,
        description: row.description,
        shape,
      });
      const createdClient = clientUuid;
      const [userId, clientSecret] = await Promise.all([
        keycloak.findServiceAccountUser(realm, createdClient),
        keycloak.readClientSecret(realm, createdClient),
        keycloak.addOptionalClientScopes(realm, createdClient, shape.scopes.map((name) => scopeIds.get(name)).filter((id): id is string => !!id)),
      ]);
      await keycloak.assignRealmRole(realm, userId, keycloakRoleName(role, this.deps.roleNames));
      const account = await repository.transaction(async (tx) => {
        const rotatedAt = new Date();
        const activated = await repository.transition(
          row.id,
          ['provisioning'],
          {
            status: 'active',
            keycloakClientUuid: createdClient,
            keycloakUserId: userId,
            secretRotatedAt: rotatedAt,
            // Keycloak's rotation policy gives the secret the same lifetime from the same moment.
            secretExpiresAt: new Date(rotatedAt.getTime() + policy.maxSecretAgeSeconds * 1000),
            ...(input.rotation && this.rotationColumns(input.rotation, policy, rotatedAt)),
            ...shapeColumns,
          },
          tx,
        );
        if (!activated) throw new Error(`service account ${row.id} left provisioning while being created`);
        await audit.record(
          ctx.audit,
          { action: auditAction.created, outcome: 'success', target: this.target(row.id), details: { name: row.name, client_id: row.clientId, role } },
          tx,
        );
        await this.deps.webhooks.enqueue(ctx.tenant, 'service_account.created', webhookView(activated), tx);
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
      unusedSince: query.unused_for_days ? new Date(Date.now() - query.unused_for_days * DAY_MS) : undefined,
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
    let row = await this.findOrFail(ctx, id);
    await this.authorize(ctx, 'update', row);
    if (row.status === 'deleting') throw new AppError('invalid_state', 'The service account is being deleted');

    if (input.rotation) {
      const columns = this.rotationColumns(input.rotation, await this.policyFor(ctx.tenant), row.secretRotatedAt);
      row = await repository.transaction(async (tx) => {
        const updated = await repository.update(row.id, columns, tx);
        await audit.record(
          ctx.audit,
          { action: auditAction.rotationPolicyUpdated, outcome: 'success', target: this.target(row.id), details: { rotation: input.rotation } },
          tx,
        );
        return updated;
      });
    }
    if (hasShapeChange(input)) {
      const { shape, columns } = this.resolveShape(input, await this.policyFor(ctx.tenant), row);
      try {
        await keycloak.reshapeClient(ctx.tenant, row.keycloakClientUuid!, shape, row.scopes);
      } catch (error) {
        await audit.recordSafely(ctx.audit, { action: auditAction.tokenShapeUpdated, outcome: 'failed', target: this.target(row.id) });
        throw error;
      }
      row = await repository.transaction(async (tx) => {
        const updated = await repository.update(row.id, columns, tx);
        await audit.record(
          ctx.audit,
          {
            action: auditAction.tokenShapeUpdated,
            outcome: 'success',
            target: this.target(row.id),
            details: { access_token_ttl: shape.accessTokenTtl, scopes: shape.scopes, claim_names: Object.keys(shape.claims), audience: shape.audiences },
          },
          tx,
        );
        return updated;
      });
    }
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
      const original = row;
      await keycloak
        .updateServiceAccountClient(ctx.tenant, row.keycloakClientUuid!, {
          ...(enabledChanges && { enabled: original.status === 'active' }),
          ...(descriptionChanges && { description: original.description }),
        })
        .catch((revertError: unknown) => this.deps.logger.error({ err: revertError, serviceAccountId: original.id }, 'reverting Keycloak failed'));
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
      await this.deps.webhooks.enqueue(row.tenant, 'service_account.deleted', webhookView(deleted), tx);
    });
  }

  async regenerateSecret(
    ctx: ServiceAccountContext,
    id: string,
    gracePeriodSeconds = 0,
  ): Promise<{ account: ServiceAccountRow; clientSecret: string }> {
    const row = await this.findOrFail(ctx, id);
    await this.authorize(ctx, 'regenerate', row);
    if (row.status === 'deleting') throw new AppError('invalid_state', 'The service account is being deleted');
    const policy = await this.policyFor(ctx.tenant);
    if (gracePeriodSeconds > policy.maxGracePeriodSeconds) {
      throw new AppError('invalid_request', `grace_period exceeds the tenant's maximum (${policy.maxGracePeriodSeconds} s)`, {
        errors: [{ path: 'body.grace_period', message: `must be at most ${policy.maxGracePeriodSeconds}` }],
      });
    }
    return this.rotate(row, gracePeriodSeconds, policy, ctx.audit, 'manual');
  }

  /**
   * Rotates in Keycloak, then records the new dates, the audit event and the webhook in one
   * transaction. `tx` is given by the scheduler, which holds the row's lock while it rotates.
   */
  async rotate(
    row: ServiceAccountRow,
    graceSeconds: number,
    policy: TenantPolicy,
    auditContext: AuditContext,
    trigger: 'manual' | 'scheduled',
    tx?: Prisma.TransactionClient,
  ): Promise<{ account: ServiceAccountRow; clientSecret: string }> {
    const { repository, keycloak, audit } = this.deps;
    const now = Date.now();
    let rotated: { secret: string; previousExpiresAt: Date | null };
    try {
      rotated = await keycloak.rotateSecret(row.tenant, row.keycloakClientUuid!, graceSeconds, now);
    } catch (error) {
      await audit.recordSafely(auditContext, {
        action: auditAction.secretRegenerated,
        outcome: 'failed',
        target: this.target(row.id),
        details: { reason: error instanceof KeycloakUnavailableError ? 'keycloak_unavailable' : 'internal_error', trigger },
      });
      throw error;
    }
    const write = async (db: Prisma.TransactionClient) => {
      const updated = await repository.update(
        row.id,
        {
          secretRotatedAt: new Date(now),
          secretExpiresAt: new Date(now + policy.maxSecretAgeSeconds * 1000),
          previousSecretExpiresAt: rotated.previousExpiresAt,
          expiryNoticeSent: null,
          ...(row.rotationEnabled && row.rotationIntervalDays && { nextRotationAt: new Date(now + row.rotationIntervalDays * DAY_MS) }),
        },
        db,
      );
      await audit.record(
        auditContext,
        {
          action: auditAction.secretRegenerated,
          outcome: 'success',
          target: this.target(row.id),
          details: { trigger, grace_period: graceSeconds, previous_secret_expires_at: rotated.previousExpiresAt?.toISOString() ?? null },
        },
        db,
      );
      await this.deps.webhooks.enqueue(row.tenant, 'service_account.secret_rotated', { ...webhookView(updated), trigger, grace_period: graceSeconds }, db);
      return updated;
    };
    const account = tx ? await write(tx) : await repository.transaction(write);
    return { account, clientSecret: rotated.secret };
  }

  /**
   * After a tenant policy change: every live SA whose lifetime in force differs from what the
   * new policy allows gets the new lifetime, in Keycloak and here. Returns the SA ids changed.
   */
  async reclampTokenLifetimes(tenant: string, policy: TenantPolicy, auditContext: AuditContext): Promise<string[]> {
    const { repository, keycloak, audit } = this.deps;
    const changed: string[] = [];
    for (const row of await repository.listLive(tenant)) {
      const ttl = effectiveTokenTtl(row.requestedAccessTokenTtl, policy);
      if (ttl === row.accessTokenTtl || !row.keycloakClientUuid) continue;
      await keycloak.setAccessTokenLifespan(tenant, row.keycloakClientUuid, ttl);
      await repository.transaction(async (tx) => {
        await repository.update(row.id, { accessTokenTtl: ttl }, tx);
        await audit.record(auditContext, { action: auditAction.tokenLifetimeReclamped, outcome: 'success', target: this.target(row.id), details: { from: row.accessTokenTtl, to: ttl } }, tx);
      });
      changed.push(row.id);
    }
    return changed;
  }

  /** Ends a grace period early: the previous secret stops working at Keycloak now. */
  async revokePreviousSecret(ctx: ServiceAccountContext, id: string): Promise<ServiceAccountRow> {
    const { repository, keycloak, audit } = this.deps;
    const row = await this.findOrFail(ctx, id);
    await this.authorize(ctx, 'regenerate', row);
    if (!row.previousSecretExpiresAt || row.previousSecretExpiresAt <= new Date()) {
      throw new AppError('invalid_state', 'There is no previous secret in a grace period');
    }
    try {
      await keycloak.invalidatePreviousSecret(ctx.tenant, row.keycloakClientUuid!);
    } catch (error) {
      await audit.recordSafely(ctx.audit, { action: auditAction.previousSecretRevoked, outcome: 'failed', target: this.target(row.id) });
      throw error;
    }
    return repository.transaction(async (tx) => {
      const updated = await repository.update(row.id, { previousSecretExpiresAt: null }, tx);
      await audit.record(ctx.audit, { action: auditAction.previousSecretRevoked, outcome: 'success', target: this.target(row.id) }, tx);
      return updated;
    });
  }
}
