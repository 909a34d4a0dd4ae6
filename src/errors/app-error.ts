import { errorCodes, type ErrorCode } from './error-codes.ts';

export interface FieldError {
  path: string;
  message: string;
}

export interface AppErrorOptions {
  errors?: FieldError[];
  headers?: Record<string, string>;
  cause?: unknown;
}

/** An error the API answers with as problem+json; `detail` is shown to the caller. */
export class AppError extends Error {
  readonly status: number;
  readonly errors: FieldError[] | undefined;
  readonly headers: Record<string, string>;

  constructor(
    readonly code: ErrorCode,
    readonly detail?: string,
    options: AppErrorOptions = {},
  ) {
    super(detail ?? errorCodes[code].title, { cause: options.cause });
    this.name = 'AppError';
    this.status = errorCodes[code].status;
    this.errors = options.errors;
    this.headers = options.headers ?? {};
  }
}

export class InvalidRequestError extends AppError {
  constructor(detail: string, errors?: FieldError[]) {
    super('invalid_request', detail, errors ? { errors } : {});
    this.name = 'InvalidRequestError';
  }
}

export class InvalidTokenError extends AppError {
  constructor(detail: string, cause?: unknown) {
    // RFC 6750 section 3: the challenge names the error so clients know to fetch a new token.
    super('invalid_token', detail, {
      cause,
      headers: { 'WWW-Authenticate': `Bearer error="invalid_token", error_description="${detail.replaceAll('"', "'")}"` },
    });
    this.name = 'InvalidTokenError';
  }
}

export class MissingTokenError extends AppError {
  constructor() {
    super('invalid_token', 'An Authorization: Bearer access token is required', {
      headers: { 'WWW-Authenticate': 'Bearer' },
    });
    this.name = 'MissingTokenError';
  }
}

export class InsufficientRoleError extends AppError {
  constructor(detail: string) {
    super('insufficient_role', detail);
    this.name = 'InsufficientRoleError';
  }
}

export class NotFoundError extends AppError {
  constructor(code: 'not_found' | 'service_account_not_found' | 'tenant_not_found' | 'api_key_not_found' = 'not_found', detail?: string) {
    super(code, detail);
    this.name = 'NotFoundError';
  }
}

export class KeycloakUnavailableError extends AppError {
  constructor(detail = 'Keycloak did not answer in time; try again later', cause?: unknown, retryAfterSeconds = 5) {
    super('keycloak_unavailable', detail, { cause, headers: { 'Retry-After': String(retryAfterSeconds) } });
    this.name = 'KeycloakUnavailableError';
  }
}

export class DatabaseUnavailableError extends AppError {
  constructor(cause?: unknown) {
    super('database_unavailable', 'The database is unavailable; try again later', {
      cause,
      headers: { 'Retry-After': '5' },
    });
    this.name = 'DatabaseUnavailableError';
  }
}
