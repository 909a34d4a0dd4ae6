// Sends due deliveries: claims a batch (webhook-repository.ts), signs each per Standard Webhooks
// with the endpoint's secret (and the previous one during a rotation's overlap), posts it to a
// public address only (webhook-transport.ts), and records the outcome; failures are retried with
// exponential backoff up to `maxAttempts`.
import type { Logger } from 'pino';
import type { SecretBox } from '../lib/secret-box.ts';
import { destinationNotAllowed, DestinationNotAllowedError } from './webhook-destination.ts';
import type { ClaimedDelivery, WebhookRepository } from './webhook-repository.ts';
import { previousSecretContext, signatureHeader } from './webhook-signature.ts';
import { DeliveryTimeoutError, postDelivery } from './webhook-transport.ts';

export interface DispatchOptions {
  maxAttempts: number;
  /** First retry after this; doubles each attempt. */
  backoffBaseMs: number;
  timeoutMs: number;
  /** Plain http and private or loopback hosts; for local development and tests only. */
  allowInsecureUrls: boolean;
}

export type WebhookDispatcher = ReturnType<typeof createWebhookDispatcher>;

export function createWebhookDispatcher(deps: { repository: WebhookRepository; secrets: SecretBox; logger: Logger; options: DispatchOptions }) {
  const { repository, secrets, options } = deps;

  /** The secrets to sign with now: the current one, then the previous one during its overlap. */
  function signingSecretsOf(webhook: ClaimedDelivery['webhook']): string[] {
    const current = [secrets.open(webhook.signingSecretEnc, webhook.id)];
    const overlapping = webhook.previousSigningSecretEnc && webhook.previousSigningSecretExpiresAt && webhook.previousSigningSecretExpiresAt.getTime() > Date.now();
    return overlapping ? [...current, secrets.open(webhook.previousSigningSecretEnc!, previousSecretContext(webhook.id))] : current;
  }

  async function send(delivery: ClaimedDelivery): Promise<void> {
    if (!delivery.webhook.enabled || delivery.webhook.deletedAt) {
      await repository.recordAttempt(delivery.id, { status: 'failed', lastError: 'endpoint removed' });
      return;
    }
    const body = JSON.stringify(delivery.payload);
    const timestamp = Math.floor(Date.now() / 1000);
    let statusCode: number | null = null;
    let error: string | null = null;
    try {
      const response = await postDelivery({
        url: delivery.webhook.url,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'sa-bridge-webhooks/1',
          'webhook-id': delivery.id,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signatureHeader(signingSecretsOf(delivery.webhook), delivery.id, timestamp, body),
        },
        body,
        timeoutMs: options.timeoutMs,
        allowNonPublicDestinations: options.allowInsecureUrls,
      });
      statusCode = response.status;
      if (statusCode < 200 || statusCode > 299) error = `HTTP ${statusCode}`;
    } catch (failure) {
      error = describeSendFailure(failure);
    }
    const attempts = delivery.attempts + 1;
    if (!error) {
      await repository.recordAttempt(delivery.id, { status: 'delivered', attempts, lastStatusCode: statusCode, lastError: null, deliveredAt: new Date() });
      return;
    }
    const giveUp = attempts >= options.maxAttempts;
    const delay = options.backoffBaseMs * 2 ** (attempts - 1);
    await repository.recordAttempt(delivery.id, {
      status: giveUp ? 'failed' : 'pending',
      attempts,
      lastStatusCode: statusCode,
      lastError: error,
      nextAttemptAt: new Date(Date.now() + delay),
    });
    deps.logger.warn({ deliveryId: delivery.id, webhookId: delivery.webhookId, attempts, error, giveUp }, 'webhook delivery failed');
  }

  return {
    /** Claims and sends due deliveries; returns how many were attempted. */
    async dispatchDue(batch = 20): Promise<number> {
      const deliveries = await repository.claimDue(batch, options.timeoutMs * 2);
      await Promise.all(deliveries.map(send));
      return deliveries.length;
    },
  };
}

/** What a failed attempt records: a kind of failure, never an address or what answered on a refused destination. */
function describeSendFailure(failure: unknown): string {
  if (failure instanceof DestinationNotAllowedError) return destinationNotAllowed;
  if (failure instanceof DeliveryTimeoutError) return 'timeout';
  const code = (failure as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && /^[A-Z0-9_]{2,40}$/.test(code) ? `connection failed (${code})` : 'connection failed';
}
