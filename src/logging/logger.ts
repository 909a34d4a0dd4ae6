import { AsyncLocalStorage } from 'node:async_hooks';
import { pino, type Logger } from 'pino';

/**
 * The request a piece of work belongs to. The request-id middleware enters it, so every log line
 * written while serving that request (in a route, a use case or an adapter) names the request id
 * that the caller sees as a problem's `instance`.
 */
export const requestContext = new AsyncLocalStorage<{ requestId: string }>();

// Defence in depth: request logging below never records headers or bodies, but anything that
// reaches a log line with one of these keys is censored all the same.
const redactedKeys = [
  'authorization',
  'cookie',
  'password',
  'client_secret',
  'clientSecret',
  'secret',
  'access_token',
  'refresh_token',
  'id_token',
  'subject_token',
  'token',
  'signing_secret',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'sa-bridge' },
      redact: {
        paths: [...redactedKeys, ...redactedKeys.map((k) => `*.${k}`), ...redactedKeys.map((k) => `*.*.${k}`)],
        censor: '[redacted]',
      },
      serializers: { err: serializeError },
      mixin: () => {
        const context = requestContext.getStore();
        return context ? { requestId: context.requestId } : {};
      },
    },
    destination,
  );
}

/** Logs name, message, code and stack, never an upstream response body that an error may carry. */
export function serializeError(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { message: String(err) };
  const out: Record<string, unknown> = { type: err.name, message: err.message, stack: err.stack };
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') out.code = code;
  const status = (err as { status?: unknown }).status;
  if (typeof status === 'number') out.status = status;
  if (err.cause !== undefined) out.cause = serializeError(err.cause);
  return out;
}

export type { Logger };
