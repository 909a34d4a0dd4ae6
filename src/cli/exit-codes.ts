// Exit codes, for pipelines to branch on (documented in the README and in --help).
import { ConnectionError, OAuthError, ProblemError } from '../client/client-errors.ts';

export const exitCodes = {
  ok: 0,
  /** The API refused the request as it was (400, 409, 422…): fix the request. */
  refused: 1,
  usage: 2,
  notFound: 3,
  /** No valid credentials, or the role does not allow it. */
  notAuthorized: 4,
  /** The bridge or Keycloak is unavailable or failed: retry later. */
  upstream: 5,
} as const;

/** A failure the CLI reports in one line and exits with. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export function exitCodeFor(error: unknown): number {
  if (error instanceof CliError) return error.exitCode;
  if (error instanceof ProblemError) {
    if (error.status === 404) return exitCodes.notFound;
    if (error.status === 401 || error.status === 403) return exitCodes.notAuthorized;
    if (error.status >= 500 || error.status === 429) return exitCodes.upstream;
    return exitCodes.refused;
  }
  if (error instanceof OAuthError) {
    if (error.status >= 500 || error.status === 429) return exitCodes.upstream;
    return error.error === 'invalid_client' || error.error === 'unauthorized_client' || error.status === 401 ? exitCodes.notAuthorized : exitCodes.refused;
  }
  if (error instanceof ConnectionError) return exitCodes.upstream;
  return exitCodes.upstream;
}

/** One line, never a secret: the code, the detail and the request id to quote. */
export function describeFailure(error: unknown): string {
  if (error instanceof ProblemError) {
    const fields = error.errors.length ? ` (${error.errors.map((e) => `${e.path}: ${e.message}`).join('; ')})` : '';
    return `${error.code}: ${error.detail}${fields}${error.instance ? ` [request ${error.instance}]` : ''}`;
  }
  if (error instanceof Error) return error.message;
  return String(error);
}
