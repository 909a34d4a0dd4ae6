// The console's only door to the bridge: the public /v1 API with the signed-in person's token.
// Every error becomes an ApiProblem (RFC 9457: code, detail and errors[] of {path, message}).
import { SignedOutError } from './auth.ts';

export interface FieldProblem {
  path: string;
  message: string;
}

export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    readonly detail: string,
    readonly errors: FieldProblem[] = [],
    readonly requestId?: string,
  ) {
    super(detail || title);
    this.name = 'ApiProblem';
  }

  /** The messages about a field of the request body (`body.<field>` and anything below it). */
  messagesFor(field: string): string[] {
    const path = `body.${field}`;
    const below = this.errors.filter((e) => e.path === path || e.path.startsWith(`${path}.`));
    const extra = problemCodeFields[this.code] === field ? [this.detail] : [];
    return [...extra, ...below.map((e) => (e.path === path ? e.message : `${e.path.slice(path.length + 1)}: ${e.message}`))];
  }

  /** Field errors not shown next to any of `fields`. */
  unplaced(fields: string[]): FieldProblem[] {
    return this.errors.filter((e) => !fields.some((f) => e.path === `body.${f}` || e.path.startsWith(`body.${f}.`)));
  }
}

/** Problems without errors[] that are still about one field. */
const problemCodeFields: Record<string, string> = { name_taken: 'name', role_escalation: 'role' };

type Query = Record<string, string | number | undefined>;

export interface Api {
  get<T>(path: string, query?: Query): Promise<T>;
  post<T>(path: string, body?: unknown, headers?: Record<string, string>): Promise<T>;
  patch<T>(path: string, body: unknown): Promise<T>;
  delete<T = void>(path: string): Promise<T>;
}

export interface ApiOptions {
  accessToken: () => Promise<string>;
  /** The tenant to act on when it is not the caller's own (cpi-admin): sent as ?tenant=. */
  tenant: () => string | undefined;
  onSignedOut: () => void;
}

export function createApi(options: ApiOptions): Api {
  async function request<T>(method: string, path: string, init: { query?: Query; body?: unknown; headers?: Record<string, string> } = {}): Promise<T> {
    const url = new URL(path, window.location.origin);
    const tenant = options.tenant();
    if (tenant && !path.startsWith('/v1/tenants/')) url.searchParams.set('tenant', tenant);
    for (const [key, value] of Object.entries(init.query ?? {})) if (value !== undefined && value !== '') url.searchParams.set(key, String(value));
    let token: string;
    try {
      token = await options.accessToken();
    } catch (error) {
      if (error instanceof SignedOutError) options.onSignedOut();
      throw new ApiProblem(401, 'signed_out', 'You are signed out', 'Your session ended; sign in again.');
    }
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: {
          accept: 'application/json',
          authorization: `Bearer ${token}`,
          ...(init.body !== undefined && { 'content-type': 'application/json' }),
          ...init.headers,
        },
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
        cache: 'no-store',
      });
    } catch {
      throw new ApiProblem(0, 'network_error', 'The bridge did not answer', 'The bridge could not be reached; check your connection and try again.');
    }
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    const body = text ? safeJson(text) : undefined;
    if (response.ok) return body as T;
    if (response.status === 401) options.onSignedOut();
    const problem = (body ?? {}) as { code?: string; title?: string; detail?: string; errors?: FieldProblem[]; instance?: string };
    throw new ApiProblem(
      response.status,
      problem.code ?? `http_${response.status}`,
      problem.title ?? `HTTP ${response.status}`,
      problem.detail ?? problem.title ?? `The bridge answered HTTP ${response.status}`,
      Array.isArray(problem.errors) ? problem.errors : [],
      problem.instance ?? response.headers.get('x-request-id') ?? undefined,
    );
  }

  return {
    get: (path, query) => request('GET', path, { query }),
    post: (path, body, headers) => request('POST', path, { body, headers }),
    patch: (path, body) => request('PATCH', path, { body }),
    delete: (path) => request('DELETE', path),
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Anything thrown, as a problem to show. */
export function asProblem(error: unknown): ApiProblem {
  if (error instanceof ApiProblem) return error;
  return new ApiProblem(0, 'console_error', 'Something went wrong', error instanceof Error ? error.message : String(error));
}
