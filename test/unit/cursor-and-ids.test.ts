import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors/app-error.ts';
import { decodeCursor, encodeCursor } from '../../src/lib/cursor.ts';
import { newClientId, newServiceAccountId, SERVICE_ACCOUNT_ID_PATTERN } from '../../src/lib/ids.ts';

describe('cursors', () => {
  it('when a cursor is encoded and decoded, then the sort key survives', () => {
    const cursor = { time: new Date('2026-11-22T10:00:00.123Z'), id: 'sa_abc' };
    expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
  });

  it.each(['', 'not-base64!', Buffer.from('{"t":"yesterday","id":"x"}').toString('base64url'), Buffer.from('[]').toString('base64url'), 'a'.repeat(600)])(
    'when the cursor is %j, then invalid_cursor is raised',
    (value) => {
      expect(() => decodeCursor(value)).toThrowError(AppError);
      try {
        decodeCursor(value);
      } catch (error) {
        expect((error as AppError).code).toBe('invalid_cursor');
      }
    },
  );
});

describe('ids', () => {
  it('when ids are generated, then they match their documented shapes and do not repeat', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newServiceAccountId()));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(SERVICE_ACCOUNT_ID_PATTERN);
    expect(newClientId('ci-pipeline')).toMatch(/^sa-ci-pipeline-[0-9a-f]{6}$/);
  });
});
