// One delivery attempt over node:http(s): POST the body, read the status, drop the connection.
// Unless non-public destinations are allowed, an IP-literal host is checked before connecting
// and a name is resolved by the public-only lookup at connect time. Redirects are not followed.
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { createPublicOnlyLookup, DestinationNotAllowedError, isPublicAddress, literalAddressOf } from './webhook-destination.ts';

export class DeliveryTimeoutError extends Error {
  constructor() {
    super('timeout');
    this.name = 'DeliveryTimeoutError';
  }
}

export interface DeliveryRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  /** Plain loopback and private destinations too (WEBHOOK_ALLOW_INSECURE_URLS). */
  allowNonPublicDestinations: boolean;
  /** For tests: how names are resolved when only public destinations are allowed. */
  lookup?: LookupFunction;
}

const publicOnlyLookup = createPublicOnlyLookup();

/** Sends one delivery and answers the receiver's HTTP status; rejects when nothing answered. */
export function postDelivery(request: DeliveryRequest): Promise<{ status: number }> {
  const url = new URL(request.url);
  const client = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : undefined;
  if (!client) return Promise.reject(new Error('unsupported URL scheme'));
  const literal = literalAddressOf(url.hostname);
  if (!request.allowNonPublicDestinations && literal && !isPublicAddress(literal)) return Promise.reject(new DestinationNotAllowedError());
  return new Promise((resolve, reject) => {
    const outgoing = client.request(url, {
      method: 'POST',
      headers: { ...request.headers, 'content-length': String(Buffer.byteLength(request.body)) },
      // A fresh connection per delivery: nothing pooled from another name is reused.
      agent: false,
      ...(!request.allowNonPublicDestinations && { lookup: request.lookup ?? publicOnlyLookup }),
    });
    const timer = setTimeout(() => outgoing.destroy(new DeliveryTimeoutError()), request.timeoutMs);
    outgoing.on('response', (response) => {
      clearTimeout(timer);
      resolve({ status: response.statusCode ?? 0 });
      response.destroy();
    });
    outgoing.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    outgoing.end(request.body);
  });
}
