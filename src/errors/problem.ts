// The single serializer from errors to RFC 9457 problem+json. Anything that is not an AppError
// becomes a bare 500 so that internals (stack traces, upstream bodies, SQL) never leave the process.
import type { ZodError } from 'zod';
import { AppError, type FieldError } from './app-error.ts';
import { errorCodes, problemTypeFor } from './error-codes.ts';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string | undefined;
  code: string;
  errors?: FieldError[];
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export function toProblem(error: AppError, requestId: string | undefined): Problem {
  const problem: Problem = {
    type: problemTypeFor(error.code),
    title: errorCodes[error.code].title,
    status: error.status,
    detail: error.detail ?? errorCodes[error.code].title,
    instance: requestId,
    code: error.code,
  };
  if (error.errors && error.errors.length > 0) problem.errors = error.errors;
  return problem;
}

export function fieldErrorsFromZod(error: ZodError, prefix?: string): FieldError[] {
  return error.issues.map((issue) => {
    const segments = [...(prefix ? [prefix] : []), ...issue.path.map(String)];
    return { path: segments.join('.') || '(root)', message: issue.message };
  });
}

export function internalError(cause: unknown): AppError {
  return new AppError('internal_error', 'An unexpected error occurred; the request id identifies it in our logs', {
    cause,
  });
}
