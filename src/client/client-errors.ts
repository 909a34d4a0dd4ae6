// What the SDK throws: the API's RFC 9457 problem as a typed error, and trouble reaching it.
import type { components } from './api-types.ts';

type Problem = components['schemas']['FieldError'] extends infer F
  ? { type: string; title: string; status: number; detail: string; instance?: string; code: string; errors?: F[] }
  : never;

/** The API answered with a problem+json body; `code` is stable (see the document's error codes). */
export class ProblemError extends Error {
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly errors: Array<{ path: string; message: string }>;
  /** The request id: quote it to the operators, it finds the request in their logs. */
  readonly instance: string | undefined;
  /** Seconds the API asked to wait, from Retry-After. */
  readonly retryAfter: number | undefined;

  constructor(problem: Problem, retryAfter?: number) {
    super(`${problem.code}: ${problem.detail}`);
    this.name = 'ProblemError';
    this.status = problem.status;
    this.code = problem.code;
    this.detail = problem.detail;
    this.errors = problem.errors ?? [];
    this.instance = problem.instance;
    this.retryAfter = retryAfter;
  }
}

/** The API could not be reached, or answered something that is not the API (a proxy's page). */
export class ConnectionError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConnectionError';
  }
}

/** An OAuth token endpoint refused (RFC 6749 `{error, error_description}`). */
export class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly description: string | undefined,
  ) {
    super(description ? `${error}: ${description}` : error);
    this.name = 'OAuthError';
  }
}
