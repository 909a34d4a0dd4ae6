// Brings Keycloak and our rows back into agreement after crashes and upstream failures:
//  1. rows stuck in `provisioning` (a create that died half way) are rolled back: the client is
//     deleted if it exists and the row retired; the secret was never handed out, so rolling
//     forward would help nobody;
//  2. rows stuck in `deleting` are rolled forward: the caller asked for the deletion;
//  3. Keycloak clients carrying our marker but without a live row are deleted.
// Every repair is audited with the system actor `reconciler`. Each step is a compare-and-set
// on the row's status, so two bridges running this at once do no harm.
import type { Logger } from 'pino';
import { systemAuditContext, type AuditService } from '../audit/audit-service.ts';
import type { KeycloakAdmin } from '../keycloak/keycloak-admin.ts';
import type { ServiceAccountRepository } from '../service-accounts/service-account-repository.ts';
import type { ServiceAccountService } from '../service-accounts/service-account-service.ts';
import type { TenantRepository } from '../tenants/tenant-repository.ts';

export interface ReconcilerDeps {
  repository: ServiceAccountRepository;
  tenants: TenantRepository;
  keycloak: KeycloakAdmin;
  service: ServiceAccountService;
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
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<ReconcileReport> | undefined;

  constructor(private readonly deps: ReconcilerDeps) {}

  /** One pass; concurrent calls in this process share the pass in flight. */
  runOnce(): Promise<ReconcileReport> {
    this.running ??= this.pass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  start(intervalMs: number): void {
    const tick = () => {
      this.runOnce()
        .then((report) => {
          const repaired = report.rolledBack.length + report.deletionsCompleted.length + report.orphanClientsRemoved.length;
          if (repaired > 0 || report.failures > 0) this.deps.logger.info({ ...report }, 'reconciler pass');
        })
        .catch((error: unknown) => this.deps.logger.warn({ err: error }, 'reconciler pass failed'));
    };
    tick();
    this.timer = setInterval(tick, intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  private async pass(): Promise<ReconcileReport> {
    const { repository, service, audit, logger } = this.deps;
    const report: ReconcileReport = { rolledBack: [], deletionsCompleted: [], orphanClientsRemoved: [], failures: 0 };
    const stuck = await repository.findStuck(['provisioning', 'deleting'], new Date(Date.now() - this.deps.staleAfterMs));
    for (const row of stuck) {
      const context = systemAuditContext(row.tenant, COMPONENT);
      try {
        if (row.status === 'provisioning') {
          if (await service.rollBackProvisioning(row.tenant, row, row.keycloakClientUuid ?? undefined)) {
            report.rolledBack.push(row.id);
            await audit.record(context, {
              action: 'service_account.provisioning_rolled_back',
              outcome: 'success',
              target: { type: 'service_account', id: row.id },
              details: { name: row.name, client_id: row.clientId },
            });
          } else {
            report.failures += 1;
          }
        } else {
          await service.completeDeletion(row, context);
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
        action: 'service_account.orphan_client_removed',
        outcome: 'success',
        ...(client.serviceAccountId && { target: { type: 'service_account', id: client.serviceAccountId } }),
        details: { client_id: client.clientId },
      });
    }
  }
}
