// Keycloak failures translated by HTTP status into errors named after what went wrong.
// Services catch the specific ones they expect (not found, conflict); everything else
// surfaces as a 503 without Keycloak's body.
import { AppError, KeycloakUnavailableError } from '../errors/app-error.ts';

export class KeycloakNotFoundError extends Error {
  constructor(readonly operation: string) {
    super(`Keycloak: ${operation}: not found`);
    this.name = 'KeycloakNotFoundError';
  }
}

export class KeycloakConflictError extends Error {
  constructor(readonly operation: string) {
    super(`Keycloak: ${operation}: conflict`);
    this.name = 'KeycloakConflictError';
  }
}

/** The bridge's admin client lacks a role: a deployment mistake, reported as unavailable. */
export class KeycloakPermissionError extends KeycloakUnavailableError {
  constructor(readonly operation: string, status: number) {
    super(`The bridge is not allowed to ${operation} in Keycloak; an operator must grant its admin client the missing role`);
    this.name = 'KeycloakPermissionError';
    this.message = `Keycloak: ${operation}: HTTP ${status} (bridge admin client lacks a role)`;
  }
}

/** Keycloak refused a request as invalid (a 4xx other than 401, 403, 404, 409): no retry cures it. */
export class KeycloakBadRequestError extends AppError {
  constructor(readonly operation: string, readonly upstreamStatus: number) {
    super('keycloak_rejected', `Keycloak refused to ${operation} (HTTP ${upstreamStatus})`);
    this.name = 'KeycloakBadRequestError';
  }
}

function statusOf(error: unknown): number | undefined {
  const response = (error as { response?: { status?: unknown } })?.response;
  return typeof response?.status === 'number' ? response.status : undefined;
}

export function translateKeycloakError(operation: string, error: unknown): Error {
  if (error instanceof KeycloakUnavailableError) return error;
  const status = statusOf(error);
  if (status === undefined) {
    // Timeouts (AbortSignal.timeout), refused connections and DNS failures.
    return new KeycloakUnavailableError(`Keycloak did not answer (${operation}); try again later`, error);
  }
  if (status === 404) return new KeycloakNotFoundError(operation);
  if (status === 409) return new KeycloakConflictError(operation);
  if (status === 401 || status === 403) return new KeycloakPermissionError(operation, status);
  if (status >= 500 || status === 429) {
    return new KeycloakUnavailableError(`Keycloak failed (${operation}); try again later`, new Error(`HTTP ${status}`));
  }
  return new KeycloakBadRequestError(operation, status);
}
