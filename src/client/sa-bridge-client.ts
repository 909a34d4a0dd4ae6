// A typed client of the sa-bridge API (the package's sa-bridge/client export), generated types from the
// OpenAPI document (api-types.ts) over openapi-fetch. Every failure is a typed error: the API's
// problem+json as ProblemError (`code`, `status`, `errors[]`), an unreachable API as
// ConnectionError. Creates carry an Idempotency-Key the client generates, so a retried create
// never makes two service accounts; 503 and 429 are retried as Retry-After says, within a bound.
import { randomUUID } from 'node:crypto';
import createClient from 'openapi-fetch';
import type { components, operations, paths } from './api-types.ts';
import { ConnectionError, ProblemError } from './client-errors.ts';
import { createRetryingFetch, retryAfterSeconds, type RetryOptions, type TokenProvider } from './retrying-fetch.ts';

export type ServiceAccount = components['schemas']['ServiceAccount'];
export type ServiceAccountWithSecret = components['schemas']['ServiceAccountWithSecret'];
export type AuditEvent = components['schemas']['AuditEvent'];
export type TenantPolicy = components['schemas']['TenantPolicy'];
export type Webhook = components['schemas']['Webhook'];
export type Me = components['schemas']['Me'];
export type CreateServiceAccount = NonNullable<operations['createServiceAccount']['requestBody']>['content']['application/json'];
export type UpdateServiceAccount = NonNullable<operations['updateServiceAccount']['requestBody']>['content']['application/json'];
export type ListServiceAccountsQuery = NonNullable<operations['listServiceAccounts']['parameters']['query']>;
export type ListAuditEventsQuery = NonNullable<operations['listAuditEvents']['parameters']['query']>;
export type UpdateTenantPolicy = NonNullable<operations['updateTenantPolicy']['requestBody']>['content']['application/json'];

export interface SaBridgeClientOptions extends RetryOptions {
  /** The bridge, e.g. https://sa-bridge.example.com */
  baseUrl: string;
  /** A bearer token, or a function that returns a fresh one (e.g. a TokenSource's getToken). */
  token: TokenProvider;
  /** For a cpi-admin: the tenant every call acts on (`?tenant=`), unless a call names one. */
  tenant?: string;
  fetch?: typeof fetch;
}

interface Answer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

async function unwrap<T>(call: Promise<Answer<T>>): Promise<T> {
  let answer: Answer<T>;
  try {
    answer = await call;
  } catch (error) {
    throw new ConnectionError(`the API could not be reached: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const { response } = answer;
  if (response.ok) return answer.data as T;
  const body = answer.error as Record<string, unknown> | undefined;
  if ((response.headers.get('content-type') ?? '').startsWith('application/problem+json') && typeof body?.code === 'string') {
    throw new ProblemError(body as never, retryAfterSeconds(response));
  }
  throw new ConnectionError(`the API answered HTTP ${response.status} without a problem body`);
}

export type SaBridgeClient = ReturnType<typeof createSaBridgeClient>;

export function createSaBridgeClient(options: SaBridgeClientOptions) {
  const api = createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    fetch: createRetryingFetch(options.token, options, options.fetch),
  });
  const scope = (tenant?: string) => (tenant ?? options.tenant ? { tenant: tenant ?? options.tenant } : {});

  const serviceAccounts = {
    /** Creates one; the answer has `client_secret`, shown this once. */
    create(body: CreateServiceAccount, call: { tenant?: string; idempotencyKey?: string } = {}): Promise<ServiceAccountWithSecret> {
      return unwrap(
        api.POST('/v1/service-accounts', {
          body,
          params: { query: scope(call.tenant), header: { 'Idempotency-Key': `"${call.idempotencyKey ?? randomUUID()}"` } },
        }),
      );
    },
    list(query: ListServiceAccountsQuery = {}) {
      return unwrap(api.GET('/v1/service-accounts', { params: { query: { ...scope(), ...query } } }));
    },
    /** Every service account matching `query`, page after page. */
    async *listAll(query: Omit<ListServiceAccountsQuery, 'cursor'> = {}): AsyncGenerator<ServiceAccount> {
      let cursor: string | undefined;
      do {
        const page = await serviceAccounts.list({ ...query, ...(cursor && { cursor }) });
        yield* page.items;
        cursor = page.next_cursor ?? undefined;
      } while (cursor);
    },
    get(id: string, call: { tenant?: string } = {}): Promise<ServiceAccount> {
      return unwrap(api.GET('/v1/service-accounts/{id}', { params: { path: { id }, query: scope(call.tenant) } }));
    },
    update(id: string, body: UpdateServiceAccount, call: { tenant?: string } = {}): Promise<ServiceAccount> {
      return unwrap(api.PATCH('/v1/service-accounts/{id}', { params: { path: { id }, query: scope(call.tenant) }, body }));
    },
    async delete(id: string, call: { tenant?: string } = {}): Promise<void> {
      await unwrap(api.DELETE('/v1/service-accounts/{id}', { params: { path: { id }, query: scope(call.tenant) } }));
    },
    /** A new secret (shown once); with `gracePeriodSeconds` the old one keeps working that long. */
    regenerateSecret(id: string, call: { gracePeriodSeconds?: number; tenant?: string } = {}): Promise<ServiceAccountWithSecret> {
      return unwrap(
        api.POST('/v1/service-accounts/{id}/regenerate-secret', {
          params: { path: { id }, query: scope(call.tenant) },
          body: call.gracePeriodSeconds === undefined ? {} : { grace_period: call.gracePeriodSeconds },
        }),
      );
    },
    endGracePeriod(id: string, call: { tenant?: string } = {}): Promise<ServiceAccount> {
      return unwrap(api.DELETE('/v1/service-accounts/{id}/previous-secret', { params: { path: { id }, query: scope(call.tenant) } }));
    },
  };

  const auditEvents = {
    list(query: ListAuditEventsQuery = {}) {
      return unwrap(api.GET('/v1/audit-events', { params: { query: { ...scope(), ...query } } }));
    },
    async *listAll(query: Omit<ListAuditEventsQuery, 'cursor'> = {}): AsyncGenerator<AuditEvent> {
      let cursor: string | undefined;
      do {
        const page = await auditEvents.list({ ...query, ...(cursor && { cursor }) });
        yield* page.items;
        cursor = page.next_cursor ?? undefined;
      } while (cursor);
    },
  };

  return {
    /** The underlying openapi-fetch client, for calls this wrapper has no verb for. */
    api,
    me: (): Promise<Me> => unwrap(api.GET('/v1/me')),
    serviceAccounts,
    auditEvents,
    policy: {
      get: (realm: string): Promise<TenantPolicy> => unwrap(api.GET('/v1/tenants/{realm}/policy', { params: { path: { realm } } })),
      update: (realm: string, body: UpdateTenantPolicy): Promise<TenantPolicy> =>
        unwrap(api.PATCH('/v1/tenants/{realm}/policy', { params: { path: { realm } }, body })),
    },
    webhooks: {
      list: (): Promise<{ items: Webhook[] }> => unwrap(api.GET('/v1/webhooks', { params: { query: scope() } })),
    },
  };
}
