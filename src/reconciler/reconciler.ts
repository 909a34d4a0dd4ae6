// Brings Keycloak and our rows back into agreement after crashes and upstream failures:
//  1. rows stuck in `provisioning` (a create that died half way) are rolled back: the client is
//     deleted if it exists and the row retired; the secret was never handed out, so rolling
//     forward would help nobody;
//  2. rows stuck in `deleting` are rolled forward: the caller asked for the deletion;
//  3. Keycloak clients carrying our marker but without a live row are deleted.
// Every repair is audited with the system actor `reconciler`. Each step is a compare-and-set
// on the row's status, so two bridges running this at once do no harm.
import type { Logger } from 'pino';
import { auditActions } from '../audit/audit-actions.ts';
import { systemAuditContext, type AuditService } from '../audit/audit-service.ts';
import type { ServiceAccountClients } from '../keycloak/service-account-clients.ts';
import { createPeriodicTask, type PeriodicTask } from '../lib/periodic-task.ts';
import type { ServiceAccountRepository } from '../service-accounts/service-account-repository.ts';
import type { ServiceAccountUseCases } from '../service-accounts/use-cases/service-account-use-cases.ts';
import type { TenantRepository } from '../tenants/tenant-repository.ts';

export interface ReconcilerDeps {
  repository: ServiceAccountRepository;
  tenants: Pick<TenantRepository, 'listRealms'>;
  keycloak: Pick<ServiceAccountClients, 'listManagedClients' | 'deleteServiceAccountClient'>;
  useCases: Pick<ServiceAccountUseCases, 'rollBackProvisioning' | 'completeDeletion'>;
  audit: AuditService;
  logger: Logger;
  /** Rows younger than this may still be in flight in another request. */
  staleAfterMs: number;
}

export interface ReconcileReport {
  rolledBack: string[];
  deletionsCompleted: string[];
  orphanClientsRemoved: string[];
  failures: number;
}

const COMPONENT = 'reconciler';

export class Reconciler {
  private readonly task: PeriodicTask<ReconcileReport>;

  constructor(private readonly deps: ReconcilerDeps) {
    this.task = createPeriodicTask(
      async () => {
        const report = await this.pass();
        const repaired = report.rolledBack.length + report.deletionsCompleted.length + report.orphanClientsRemoved.length;
        if (repaired > 0 || report.failures > 0) deps.logger.info({ ...report }, 'reconciler pass');
        return report;
      },
      (error) => deps.logger.warn({ err: error }, 'reconciler pass failed'),
    );
  }

  /** One pass; concurrent calls in this process share the pass in flight. */
  runOnce(): Promise<ReconcileReport> {
    return this.task.runOnce();
  }

  start(intervalMs: number): void {
    this.task.start(intervalMs);
  }

  stop(): Promise<void> {
    return this.task.stop();
  }

  private async pass(): Promise<ReconcileReport> {
    const { repository, useCases, audit, logger } = this.deps;
    const report: ReconcileReport = { rolledBack: [], deletionsCompleted: [], orphanClientsRemoved: [], failures: 0 };
    const stuck = await repository.findStuck(['provisioning', 'deleting'], new Date(Date.now() - this.deps.staleAfterMs));
    for (const row of stuck) {
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
      try {
        await this.removeOrphans(tenant, report);
      } catch (error) {
        report.failures += 1;
        logger.warn({ err: error, tenant }, 'reconciler could not scan a realm for orphan clients');
      }
    }
    return report;
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
