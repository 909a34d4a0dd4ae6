// Periodic work that must happen once however many bridge processes share the database:
//  - scheduled rotations: due rows are claimed with `SELECT … FOR UPDATE SKIP LOCKED` inside a
//    transaction that also records the rotation, so a second process skips them;
//  - expiry notices (14, 7, 1 days before, and at expiry): sent once per stage through a
//    compare-and-set on `expiry_notice_sent`;
//  - usage: Keycloak's CLIENT_LOGIN events folded into `last_used_at`;
//  - webhook dispatch (its own SKIP LOCKED claim, in WebhookService).
import type { Logger } from 'pino';
import { systemAuditContext, type AuditService } from '../audit/audit-service.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { KeycloakAdmin } from '../keycloak/keycloak-admin.ts';
import type { ServiceAccountRepository } from '../service-accounts/service-account-repository.ts';
import { webhookView, type ServiceAccountService } from '../service-accounts/service-account-service.ts';
import type { TenantRepository } from '../tenants/tenant-repository.ts';
import type { WebhookService } from '../webhooks/webhook-service.ts';

export interface BackgroundJobsDeps {
  prisma: PrismaClient;
  repository: ServiceAccountRepository;
  tenants: TenantRepository;
  keycloak: KeycloakAdmin;
  service: ServiceAccountService;
  webhooks: WebhookService;
  audit: AuditService;
  logger: Logger;
  /** Deletes Idempotency-Key records past their 24 hours. */
  purgeIdempotencyKeys: () => Promise<number>;
}

const DAY_MS = 86_400_000;
const noticeStages = [14, 7, 1] as const;

/** The notice a secret expiring at `expiresAt` is due for now: 14, 7, 1, 0 (expired), or none. */
export function dueNoticeStage(expiresAt: Date, now: Date): number | undefined {
  const daysLeft = (expiresAt.getTime() - now.getTime()) / DAY_MS;
  if (daysLeft <= 0) return 0;
  const stages = noticeStages.filter((stage) => daysLeft <= stage);
  return stages.length ? Math.min(...stages) : undefined;
}

export class BackgroundJobs {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly deps: BackgroundJobsDeps) {}

  /** Claims up to `batch` due rotations and performs them; returns the rotated SA ids. */
  async rotateDue(batch = 10): Promise<string[]> {
    const { prisma, service } = this.deps;
    return prisma.$transaction(
      async (tx) => {
        const claimed = await tx.$queryRaw<Array<{ id: string }>>`
          SELECT id FROM service_accounts
          WHERE rotation_enabled AND status = 'active' AND next_rotation_at <= now()
          ORDER BY next_rotation_at
          LIMIT ${batch}
          FOR UPDATE SKIP LOCKED`;
        const rotated: string[] = [];
        for (const { id } of claimed) {
          const row = await tx.serviceAccount.findUniqueOrThrow({ where: { id } });
          // Through tx: one connection serves the whole claim instead of taking another from the pool.
          const policy = await tx.tenant.findUnique({
            where: { realm: row.tenant },
            select: { maxSecretAgeSeconds: true, maxGracePeriodSeconds: true, maxAccessTokenTtl: true, defaultAccessTokenTtl: true, allowedScopes: true, allowedAudiences: true },
          });
          if (!policy) continue;
          const grace = Math.min((row.rotationGracePeriodHours ?? 0) * 3600, policy.maxGracePeriodSeconds);
          await service.rotate(row, grace, policy, systemAuditContext(row.tenant, 'rotation-scheduler'), 'scheduled', tx);
          rotated.push(id);
        }
        return rotated;
      },
      { timeout: 120_000, maxWait: 10_000 },
    );
  }

  /** Queues secret_expiring / secret_expired webhooks, each stage once per secret. */
  async notifyExpiries(now = new Date()): Promise<number> {
    const { prisma, webhooks } = this.deps;
    const candidates = await prisma.serviceAccount.findMany({
      where: { status: { in: ['active', 'disabled'] }, secretExpiresAt: { lt: new Date(now.getTime() + 14 * DAY_MS) } },
      take: 500,
    });
    let sent = 0;
    for (const row of candidates) {
      const stage = dueNoticeStage(row.secretExpiresAt!, now);
      if (stage === undefined || (row.expiryNoticeSent !== null && row.expiryNoticeSent <= stage)) continue;
      const claimed = await prisma.$transaction(async (tx) => {
        const { count } = await tx.serviceAccount.updateMany({
          where: { id: row.id, expiryNoticeSent: row.expiryNoticeSent, secretExpiresAt: row.secretExpiresAt },
          data: { expiryNoticeSent: stage },
        });
        if (count !== 1) return false;
        const type = stage === 0 ? 'service_account.secret_expired' : 'service_account.secret_expiring';
        await webhooks.enqueue(row.tenant, type, { ...webhookView(row), ...(stage > 0 && { days_before_expiry: stage }) }, tx);
        await this.deps.audit.record(
          systemAuditContext(row.tenant, 'expiry-notifier'),
          { action: type, outcome: 'success', target: { type: 'service_account', id: row.id }, details: { secret_expires_at: row.secretExpiresAt!.toISOString(), stage } },
          tx,
        );
        return true;
      });
      if (claimed) sent += 1;
    }
    return sent;
  }

  /** Folds Keycloak CLIENT_LOGIN events into last_used_at, per tenant, from a stored cursor. */
  async collectUsage(): Promise<number> {
    const { tenants, keycloak, prisma } = this.deps;
    let updated = 0;
    for (const realm of await tenants.listRealms()) {
      const since = await tenants.usageCursor(realm);
      const events = await keycloak.listClientLogins(realm, since);
      if (events.length === 0) continue;
      const latest = new Map<string, Date>();
      for (const e of events) if (!latest.has(e.clientId) || latest.get(e.clientId)! < e.time) latest.set(e.clientId, e.time);
      for (const [clientId, time] of latest) {
        const { count } = await prisma.serviceAccount.updateMany({
          where: { tenant: realm, clientId, OR: [{ lastUsedAt: null }, { lastUsedAt: { lt: time } }] },
          data: { lastUsedAt: time },
        });
        updated += count;
      }
      await tenants.setUsageCursor(realm, new Date(Math.max(...events.map((e) => e.time.getTime()))));
    }
    return updated;
  }

  async dispatchWebhooks(maxRounds = 10): Promise<number> {
    let total = 0;
    for (let round = 0; round < maxRounds; round += 1) {
      const sent = await this.deps.webhooks.dispatchDue();
      total += sent;
      if (sent === 0) break;
    }
    return total;
  }

  async runOnce(): Promise<void> {
    const steps: Array<[string, () => Promise<unknown>]> = [
      ['rotations', () => this.rotateDue()],
      ['expiry notices', () => this.notifyExpiries()],
      ['usage', () => this.collectUsage()],
      ['webhooks', () => this.dispatchWebhooks()],
      ['idempotency keys', () => this.deps.purgeIdempotencyKeys()],
    ];
    for (const [name, step] of steps) {
      try {
        await step();
      } catch (error) {
        this.deps.logger.warn({ err: error, job: name }, 'background job failed');
      }
    }
  }

  start(intervalMs: number): void {
    const tick = () => {
      this.running ??= this.runOnce().finally(() => {
        this.running = undefined;
      });
    };
    this.timer = setInterval(tick, intervalMs);
    this.timer.unref();
    tick();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
