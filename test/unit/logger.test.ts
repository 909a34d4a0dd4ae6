// Secrets never reach a log line: the censoring formatter, on the logger's real output.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { censorSecrets, createLogger } from '../../src/logging/logger.ts';

function capture() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(String(chunk));
      callback();
    },
  });
  return { logger: createLogger('info', sink), lines };
}

describe('logger', () => {
  it('when a line carries a secret-looking key at the top or up to two levels down, then its value is censored', () => {
    const { logger, lines } = capture();
    logger.info({ password: 'p1', client: { client_secret: 's1', name: 'ok' }, deep: { er: { access_token: 't1' } }, list: [{ token: 't2' }] }, 'm');
    const line = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(line).toMatchObject({ password: '[redacted]', client: { client_secret: '[redacted]', name: 'ok' }, deep: { er: { access_token: '[redacted]' } }, list: [{ token: '[redacted]' }] });
    expect(lines[0]).not.toMatch(/p1|s1|t1|t2/);
  });

  it('when nothing is secret, then the object is passed through as it is', () => {
    const line = { requestId: 'r', req: { method: 'GET', path: '/v1/me' }, res: { status: 200 } };
    expect(censorSecrets(line)).toBe(line);
  });

  it('when the caller keeps the object, then censoring does not change it', () => {
    const original = { nested: { secret: 'keep-me' } };
    expect(censorSecrets(original)).toEqual({ nested: { secret: '[redacted]' } });
    expect(original.nested.secret).toBe('keep-me');
  });

  it('when a value is not a plain object (a Buffer, a Date), then it is not walked', () => {
    const buffer = Buffer.from('secret');
    const out = censorSecrets({ payload: buffer, at: new Date(0) });
    expect(out.payload).toBe(buffer);
  });
});
