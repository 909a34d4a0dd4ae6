import pg from 'pg';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailable } from '../../src/db/database-errors.ts';
import { AppError, InvalidTokenError, KeycloakUnavailableError } from '../../src/errors/app-error.ts';
import { errorCodes } from '../../src/errors/error-codes.ts';
import { Prisma } from '../../src/generated/prisma/client.ts';
import { fieldErrorsFromZod, internalError, toProblem } from '../../src/errors/problem.ts';
import { translateKeycloakError, KeycloakConflictError, KeycloakNotFoundError } from '../../src/keycloak/keycloak-errors.ts';

describe('toProblem', () => {
  it('when an AppError is serialized, then it carries type, title, status, detail, instance and code', () => {
    const problem = toProblem(new AppError('name_taken', 'a live service account is named ci'), 'req_1');
    expect(problem).toEqual({
      type: 'urn:sa-bridge:problem:name-taken',
      title: errorCodes.name_taken.title,
      status: 409,
      detail: 'a live service account is named ci',
      instance: 'req_1',
      code: 'name_taken',
    });
  });

  it('when an unexpected error is wrapped, then its message is not exposed', () => {
    const problem = toProblem(internalError(new Error('password=hunter2 at line 3')), 'req_2');
    expect(problem.status).toBe(500);
    expect(JSON.stringify(problem)).not.toContain('hunter2');
  });

  it('when zod rejects input, then every field is listed with its path', () => {
    const result = z.object({ name: z.string(), limit: z.number().max(100) }).safeParse({ limit: 500 });
    expect(result.success).toBe(false);
    const errors = fieldErrorsFromZod(result.error!, 'body');
    expect(errors.map((e) => e.path).sort()).toEqual(['body.limit', 'body.name']);
  });

  it('when a token is invalid, then the challenge names invalid_token', () => {
    expect(new InvalidTokenError('The token has expired').headers['WWW-Authenticate']).toBe(
      'Bearer error="invalid_token", error_description="The token has expired"',
    );
  });
});

describe('translateKeycloakError', () => {
  const withStatus = (status: number) => Object.assign(new Error('x'), { response: { status } });

  it('when Keycloak answers 404 or 409, then the specific errors are raised', () => {
    expect(translateKeycloakError('get client', withStatus(404))).toBeInstanceOf(KeycloakNotFoundError);
    expect(translateKeycloakError('create client', withStatus(409))).toBeInstanceOf(KeycloakConflictError);
  });

  it('when Keycloak fails, times out or refuses, then it is a 503 with Retry-After', () => {
    for (const error of [withStatus(502), withStatus(500), new DOMException('timeout', 'TimeoutError'), new TypeError('fetch failed')]) {
      const translated = translateKeycloakError('op', error);
      expect(translated).toBeInstanceOf(KeycloakUnavailableError);
      expect((translated as KeycloakUnavailableError).status).toBe(503);
      expect((translated as KeycloakUnavailableError).headers['Retry-After']).toBe('5');
    }
  });
});

describe('isDatabaseUnavailable', () => {
  const postgresError = (code: string, message: string) => Object.assign(new pg.DatabaseError(message, 0, 'error'), { code, severity: 'FATAL' });
  const prismaError = (code: string, meta?: Record<string, unknown>) => new Prisma.PrismaClientKnownRequestError('failed', { code, clientVersion: '7.10.0', meta });

  it('when the connection broke or was refused, then the database is unavailable', () => {
    expect(isDatabaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isDatabaseUnavailable(new Error('Client has encountered a connection error and is not queryable'))).toBe(true);
    expect(isDatabaseUnavailable(new Error('timeout exceeded when trying to connect'))).toBe(true);
    expect(isDatabaseUnavailable(prismaError('P1017'))).toBe(true);
    expect(isDatabaseUnavailable(prismaError('P1001'))).toBe(true);
    expect(isDatabaseUnavailable(postgresError('57P01', 'terminating connection due to administrator command'))).toBe(true);
    expect(isDatabaseUnavailable(prismaError('P2010', { driverAdapterError: { cause: { originalCode: '57P01' } } }))).toBe(true);
    expect(isDatabaseUnavailable(new Error('query failed', { cause: new Error('Connection terminated unexpectedly') }))).toBe(true);
  });

  it('when a query failed on its own, then it is not unavailability', () => {
    expect(isDatabaseUnavailable(new Error('boom'))).toBe(false);
    expect(isDatabaseUnavailable(prismaError('P2002'))).toBe(false);
    expect(isDatabaseUnavailable(postgresError('23505', 'duplicate key value violates unique constraint'))).toBe(false);
    expect(isDatabaseUnavailable(Object.assign(new Error('connect ECONNRESET'), { code: 'ECONNRESET' }))).toBe(false);
  });
});
