// The periodic work that must happen once however many bridge processes share the database, one
// job a file, run in order every JOBS_INTERVAL_MS on one periodic task; a failing job is logged
// and the next one runs. On stop (shutdown) the pass ends between two jobs, two webhook rounds or
// two rotations: each of those commits on its own, and what is left is still due for the next
// pass of any replica.
import type { Logger } from 'pino';
import { createPeriodicTask } from '../lib/periodic-task.ts';
import type { WebhookDispatcher } from '../webhooks/webhook-dispatcher.ts';
import { collectUsage, type CollectUsageDeps } from './collect-usage.ts';
import { expireApiKeys, type ExpireApiKeysDeps } from './expire-api-keys.ts';
import { notifyExpiringSecrets, type NotifyExpiringSecretsDeps } from './notify-expiring-secrets.ts';
import { rotateDueSecrets, type RotateDueSecretsDeps } from './rotate-due-secrets.ts';

export interface BackgroundJobsDeps {
  rotation: RotateDueSecretsDeps;
  notices: NotifyExpiringSecretsDeps;
  usage: CollectUsageDeps;
  apiKeys: ExpireApiKeysDeps;
  dispatcher: WebhookDispatcher;
  logger: Logger;
  /** Deletes Idempotency-Key records past their 24 hours. */
  purgeIdempotencyKeys: () => Promise<number>;
}

export type BackgroundJobs = ReturnType<typeof createBackgroundJobs>;

export function createBackgroundJobs(deps: BackgroundJobsDeps) {
  async function dispatchWebhooks(maxRounds = 10, signal?: AbortSignal): Promise<number> {
    let total = 0;
    for (let round = 0; round < maxRounds && !signal?.aborted; round += 1) {
      const sent = await deps.dispatcher.dispatchDue();
      total += sent;
      if (sent === 0) break;
    }
    return total;
  }

  const jobs = {
    rotateDue: (batch?: number, signal?: AbortSignal) => rotateDueSecrets(deps.rotation, batch, signal),
    notifyExpiries: (now?: Date) => notifyExpiringSecrets(deps.notices, now),
    collectUsage: () => collectUsage(deps.usage),
    expireApiKeys: (now?: Date) => expireApiKeys(deps.apiKeys, now),
    dispatchWebhooks,
  };

  async function runAll(signal: AbortSignal): Promise<void> {
    const steps: Array<[string, () => Promise<unknown>]> = [
      ['rotations', () => jobs.rotateDue(undefined, signal)],
      ['expiry notices', () => jobs.notifyExpiries()],
      ['usage', () => jobs.collectUsage()],
      ['api key expiry', () => jobs.expireApiKeys()],
      ['webhooks', () => jobs.dispatchWebhooks(undefined, signal)],
      ['idempotency keys', deps.purgeIdempotencyKeys],
    ];
    for (const [name, step] of steps) {
      if (signal.aborted) return;
      try {
        await step();
      } catch (error) {
        deps.logger.warn({ err: error, job: name }, 'background job failed');
      }
    }
  }

  const task = createPeriodicTask(runAll, (error) => deps.logger.warn({ err: error }, 'background jobs failed'));
  return { ...jobs, runOnce: task.runOnce, start: task.start, stop: task.stop };
}
