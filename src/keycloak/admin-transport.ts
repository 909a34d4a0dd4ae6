// The one door to Keycloak's admin REST API. Every call names its realm in the path, carries the
// admin client's token and a timeout, and has its errors translated by status
// (keycloak-errors.ts). The adapters beside this file give it domain verbs.
//
// Plain fetch rather than @keycloak/keycloak-admin-client's resource methods: measured on the
// same Keycloak, the library adds 1.5-2 ms to each call (p50 7.9 against 6.5 ms for a GET), and
// a create makes several calls back to back. The library's representation types are used.
//
// A bulkhead bounds the calls in flight from this replica (`maxConcurrent`): a burst of creates
// queues here instead of opening hundreds of admin requests on Keycloak at once. Time spent
// waiting counts against the call's timeout, so a call that cannot start in time fails as a
// Keycloak timeout would (503 with Retry-After).
import { translateKeycloakError } from './keycloak-errors.ts';
import type { TokenSource } from './token-client.ts';

export interface AdminTransportOptions {
  keycloakUrl: string;
  tokens: TokenSource;
  timeoutMs: number;
  /** Admin calls in flight at once (default: unbounded). */
  maxConcurrent?: number;
}

export interface AdminResponse<T> {
  body: T;
  /** The Location header of a 201, which names the created resource. */
  location: string | null;
}

export interface AdminTransport {
  readonly keycloakUrl: string;
  readonly timeoutMs: number;
  /** `path` is below /admin/realms, e.g. `/acme/clients`; build it with realmPath(). */
  request<T = unknown>(operation: string, method: string, path: string, body?: unknown): Promise<AdminResponse<T>>;
  /** The admin client's own access token (readiness checks it can still sign in). */
  token(): Promise<string>;
  /** Calls in flight now, and waiting for the bulkhead. */
  load(): { inFlight: number; waiting: number };
}

/** `/realm/segment/segment…` with every part percent-encoded. */
export function realmPath(realm: string, ...segments: string[]): string {
  return ['', realm, ...segments].map((part) => encodeURIComponent(part)).join('/');
}

export function createAdminTransport(options: AdminTransportOptions): AdminTransport {
  const bulkhead = createBulkhead(options.maxConcurrent ?? Number.POSITIVE_INFINITY);
  return {
    keycloakUrl: options.keycloakUrl,
    timeoutMs: options.timeoutMs,
    token: () => options.tokens.getToken(),
    load: () => bulkhead.load(),
    async request<T>(operation: string, method: string, path: string, body?: unknown): Promise<AdminResponse<T>> {
      const deadline = AbortSignal.timeout(options.timeoutMs);
      try {
        await bulkhead.enter(deadline);
      } catch (error) {
        throw translateKeycloakError(operation, error);
      }
      try {
        return await send<T>(operation, method, path, body, deadline);
      } finally {
        bulkhead.leave();
      }
    },
  };

  async function send<T>(operation: string, method: string, path: string, body: unknown, deadline: AbortSignal): Promise<AdminResponse<T>> {
    let response: Response;
    try {
      response = await fetch(`${options.keycloakUrl}/admin/realms${path}`, {
        method,
        headers: {
          authorization: `Bearer ${await options.tokens.getToken()}`,
          ...(body !== undefined && { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: deadline,
      });
    } catch (error) {
      throw translateKeycloakError(operation, error);
    }
    if (!response.ok) {
      await response.body?.cancel();
      // A 401 means our cached token was revoked or the realm's keys rotated: fetch a new one.
      if (response.status === 401) options.tokens.invalidate();
      throw translateKeycloakError(operation, { response: { status: response.status } });
    }
    const text = await response.text();
    return { body: (text ? JSON.parse(text) : undefined) as T, location: response.headers.get('location') };
  }
}

/** At most `limit` holders at once; the others wait in arrival order until their signal aborts. */
function createBulkhead(limit: number) {
  let inFlight = 0;
  const queue: Array<() => void> = [];
  return {
    load: () => ({ inFlight, waiting: queue.length }),
    async enter(signal: AbortSignal): Promise<void> {
      if (inFlight < limit) {
        inFlight += 1;
        return;
      }
      await new Promise<void>((resolve, reject) => {
        const admit = () => {
          signal.removeEventListener('abort', giveUp);
          resolve();
        };
        const giveUp = () => {
          queue.splice(queue.indexOf(admit), 1);
          reject(signal.reason);
        };
        queue.push(admit);
        signal.addEventListener('abort', giveUp, { once: true });
      });
    },
    leave(): void {
      const next = queue.shift();
      // The slot passes to the next waiter as it is; only when none waits is it freed.
      if (next) next();
      else inFlight -= 1;
    },
  };
}
