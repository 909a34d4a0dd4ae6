// Brings Keycloak and our rows back into agreement after crashes and upstream failures:
//  1. rows stuck in `provisioning` (a create that died half way) are rolled back: the client is
//     deleted if it exists and the row retired; the secret was never handed out, so rolling
//     forward would help nobody;
//  2. rows stuck in `deleting` are rolled forward: the caller asked for the deletion;
//  3. Keycloak clients carrying our marker and deployment id but without a live row are deleted
//     (clients of other deployments are never touched; a client from before deployment ids is
//     ours only when a row of ours names it, and the drift check then stamps it);
//  4. config drift: every live SA's client is compared with its row and repaired (its lifetime to
//     the tenant policy, its secret by fingerprint); a client that is gone marks the SA `failed`
//     (repair-client-drift.ts);
//  5. owner changes: SAs whose creator lost the role they inherited, was disabled or deleted in
//     Keycloak follow the tenant policy (owner-watch.ts, follow-owner-change.ts);
//  6. tenants left `provisioning` or `deleting` by a crash are rolled back or finished.
// Every repair is audited with the system actor `reconciler`. Each step is a compare-and-set
// on the row's status, so two bridges running this at once do no harm, and a pass stopped between
// two steps (shutdown) leaves nothing half done.
import type { Logger } from 'pino';
import { auditActions } from '../audit/audit-actions.ts';
import { systemAuditContext, type AuditService } from '../audit/audit-service.ts';
import type { ServiceAccountClients } from '../keycloak/service-account-clients.ts';
import { createPeriodicTask, type PeriodicTask } from '../lib/periodic-task.ts';
import type { ServiceAccountRepository } from '../service-accounts/service-account-repository.ts';
import type { ServiceAccountUseCases } from '../service-accounts/use-cases/service-account-use-cases.ts';
import type { TenantRepository } from '../tenants/tenant-repository.ts';
import type { TenantUseCases } from '../tenants/use-cases/tenant-use-cases.ts';
import type { OwnerWatch } from './owner-watch.ts';

export interface ReconcilerDeps {
  repository: ServiceAccountRepository;
  tenants: Pick<TenantRepository, 'listRealms' | 'findPolicy' | 'findStuckTenants' | 'claimReconcilePass'>;
  keycloak: Pick<ServiceAccountClients, 'listManagedClients' | 'deleteServiceAccountClient'>;
  useCases: Pick<ServiceAccountUseCases, 'rollBackProvisioning' | 'completeDeletion' | 'repairClientDrift' | 'followOwnerChange'>;
  tenantUseCases: Pick<TenantUseCases, 'completeDeletion' | 'rollBackCreation'>;
  owners: OwnerWatch;
  audit: AuditService;
  logger: Logger;
  /** Rows younger than this may still be in flight in another request. */
  staleAfterMs: number;
  /** This deployment: clients marked with another one are never touched. */
  deploymentId: string;
  platformRealm: string;
}

export interface ReconcileReport {
  rolledBack: string[];
  deletionsCompleted: string[];
  orphanClientsRemoved: string[];
  /** SA ids whose client was changed by hand and repaired. */
  driftRepaired: string[];
  /** SA ids marked failed because their client was deleted outside the bridge. */
  clientsMissing: string[];
  /** SA ids that followed an owner change (downgraded, disabled or flagged). */
  ownerChanges: string[];
  /** Tenants whose interrupted create was rolled back or deletion finished. */
  tenantsRepaired: string[];
  failures: number;
}

const COMPONENT = 'reconciler';

export class Reconciler {
  private readonly task: PeriodicTask<ReconcileReport>;
  private periodic: PeriodicTask<ReconcileReport>;

  constructor(private readonly deps: ReconcilerDeps) {
    this.task = this.createTask(0);
    this.periodic = this.task;
  }

  private createTask(claimWindowMs: number): PeriodicTask<ReconcileReport> {
    const deps = this.deps;
    return createPeriodicTask(
      async (signal) => {
        const report = await this.pass(claimWindowMs, signal);
        const repaired =
          report.rolledBack.length +
          report.deletionsCompleted.length +
          report.orphanClientsRemoved.length +
          report.driftRepaired.length +
          report.clientsMissing.length +
          report.ownerChanges.length +
          report.tenantsRepaired.length;
        if (repaired > 0 || report.failures > 0) deps.logger.info({ ...report }, 'reconciler pass');
        return report;
      },
      (error) => deps.logger.warn({ err: error }, 'reconciler pass failed'),
    );
  }

  /** One pass over every tenant; concurrent calls in this process share the pass in flight. */
  runOnce(): Promise<ReconcileReport> {
    return this.task.runOnce();
  }

  /**
   * Passes every `intervalMs`. Each tenant's clients and owners are checked by one process per
   * half period (claimed in the database), however many replicas run.
   */
  start(intervalMs: number): void {
    this.periodic = this.createTask(Math.floor(intervalMs / 2));
    this.periodic.start(intervalMs);
  }

  async stop(): Promise<void> {
    await this.periodic.stop();
    await this.task.stop();
  }

  private async pass(claimWindowMs: number, signal: AbortSignal): Promise<ReconcileReport> {
    const { repository, useCases, audit, logger } = this.deps;
    const report: ReconcileReport = {
      rolledBack: [],
      deletionsCompleted: [],
      orphanClientsRemoved: [],
      driftRepaired: [],
      clientsMissing: [],
      ownerChanges: [],
      tenantsRepaired: [],
      failures: 0,
    };
    await this.repairTenants(report, signal);
    const stuck = await repository.findStuck(['provisioning', 'deleting'], new Date(Date.now() - this.deps.staleAfterMs));
    for (const row of stuck) {
      if (signal.aborted) return report;
      const context = systemAuditContext(row.tenant, COMPONENT);
      try {
        if (row.status === 'provisioning') {
          if (await useCases.rollBackProvisioning(row.tenant, row, row.keycloakClientUuid ?? undefined)) {
            report.rolledBack.push(row.id);
            await audit.record(context, {
              action: auditActions.provisioningRolledBack,
              outcome: 'success',
              target: { type: 'service_account', id: row.id },
              details: { name: row.name, client_id: row.clientId },
            });
          } else {
            report.failures += 1;
          }
        } else {
          await useCases.completeDeletion(row, context);
          report.deletionsCompleted.push(row.id);
        }
      } catch (error) {
        report.failures += 1;
        logger.warn({ err: error, serviceAccountId: row.id }, 'reconciler could not repair a row');
      }
    }

    for (const tenant of await this.deps.tenants.listRealms()) {
      if (signal.aborted) return report;
      if (claimWindowMs > 0 && !(await this.deps.tenants.claimReconcilePass(tenant, claimWindowMs))) continue;
      try {
        await this.removeOrphans(tenant, report);
      } catch (error) {
        report.failures += 1;
        logger.warn({ err: error, tenant }, 'reconciler could not scan a realm for orphan clients');
      }
      try {
        await this.repairDrift(tenant, report, signal);
      } catch (error) {
        report.failures += 1;
        logger.warn({ err: error, tenant }, 'reconciler could not check a realm for drift');
      }
      if (signal.aborted) return report;
      try {
        await this.followOwners(tenant, report);
      } catch (error) {
        report.failures += 1;
        logger.warn({ err: error, tenant }, 'reconciler could not check the owners of a realm');
      }
    }
    return report;
  }

  private async repairTenants(report: ReconcileReport, signal: AbortSignal): Promise<void> {
    const { tenants, tenantUseCases, logger } = this.deps;
    for (const row of await tenants.findStuckTenants(new Date(Date.now() - this.deps.staleAfterMs))) {
      if (signal.aborted) return;
      try {
        if (row.status === 'provisioning') await tenantUseCases.rollBackCreation(row);
        else await tenantUseCases.completeDeletion(row, systemAuditContext(this.deps.platformRealm, COMPONENT));
        report.tenantsRepaired.push(row.realm);
      } catch (error) {
        report.failures += 1;
        logger.warn({ err: error, tenant: row.realm }, 'reconciler could not repair a tenant');
      }
    }
  }

  private async repairDrift(tenant: string, report: ReconcileReport, signal: AbortSignal): Promise<void> {
    const { repository, useCases, logger } = this.deps;
    const policy = await this.deps.tenants.findPolicy(tenant);
    if (!policy) return;
    for (const row of await repository.listLiveOwnedBy(tenant)) {
      if (signal.aborted) return;
      try {
        // A secret younger than staleAfterMs may belong to a rotation whose row write is still coming.
        const outcome = await useCases.repairClientDrift(row, policy, systemAuditContext(tenant, COMPONENT), { secretSettledAfterMs: this.deps.staleAfterMs });
        if (outcome === 'repaired') report.driftRepaired.push(row.id);
        if (outcome === 'missing') report.clientsMissing.push(row.id);
      } catch (error) {
        report.failures += 1;
        logger.warn({ err: error, serviceAccountId: row.id }, 'reconciler could not check a client for drift');
      }
    }
  }

  private async followOwners(tenant: string, report: ReconcileReport): Promise<void> {
    const { repository, useCases, owners, logger } = this.deps;
    const policy = await this.deps.tenants.findPolicy(tenant);
    if (!policy) return;
    const wanted = await owners.ownersToCheck(tenant);
    if (wanted !== 'all' && wanted.size === 0) return;
    const rows = await repository.listLiveOwnedBy(tenant, wanted === 'all' ? undefined : [...wanted]);
    const byOwner = new Map<string, typeof rows>();
    for (const row of rows) byOwner.set(row.createdById, [...(byOwner.get(row.createdById) ?? []), row]);
    for (const [ownerId, owned] of byOwner) {
      try {
        const verdict = await owners.verdict(tenant, ownerId);
        for (const row of owned) {
          const action = await useCases.followOwnerChange(row, verdict, policy.onOwnerChange, systemAuditContext(tenant, COMPONENT));
          if (action !== 'none') report.ownerChanges.push(row.id);
        }
      } catch (error) {
        report.failures += 1;
        logger.warn({ err: error, tenant, ownerId }, 'reconciler could not check an owner');
      }
    }
  }

  private async removeOrphans(tenant: string, report: ReconcileReport): Promise<void> {
    const { keycloak, repository, audit } = this.deps;
    const clients = await keycloak.listManagedClients(tenant);
    if (clients.length === 0) return;
    const live = await repository.liveIdsAmong(
      tenant,
      clients.flatMap((c) => (c.serviceAccountId ? [c.serviceAccountId] : [])),
    );
    for (const client of clients) {
      if (client.serviceAccountId && live.has(client.serviceAccountId)) continue;
      // Another deployment's, or made before deployment ids by a bridge whose rows are elsewhere.
      if (client.deploymentId !== this.deps.deploymentId) continue;
      await keycloak.deleteServiceAccountClient(tenant, client.uuid);
      report.orphanClientsRemoved.push(client.clientId);
      await audit.record(systemAuditContext(tenant, COMPONENT), {
        action: auditActions.orphanClientRemoved,
        outcome: 'success',
        ...(client.serviceAccountId && { target: { type: 'service_account', id: client.serviceAccountId } }),
        details: { client_id: client.clientId },
      });
    }
  }
}
