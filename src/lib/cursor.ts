// Opaque page cursors: base64url of the sort key of the last item returned, (time, id).
// Keyset paging stays O(page) however deep the caller pages, unlike OFFSET.
import { z } from 'zod';
import { AppError } from '../errors/app-error.ts';

const cursorSchema = z.object({ t: z.iso.datetime(), id: z.string().regex(/^[A-Za-z0-9_]{1,64}$/) }).strict();

export interface Cursor {
  time: Date;
  id: string;
}

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify({ t: cursor.time.toISOString(), id: cursor.id })).toString('base64url');
}

export function decodeCursor(value: string): Cursor {
  let parsed: unknown;
  try {
    if (!/^[A-Za-z0-9_-]{1,512}$/.test(value)) throw new Error('not base64url');
    parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
  } catch {
    throw new AppError('invalid_cursor', 'The cursor is not one this API returned');
  }
  const result = cursorSchema.safeParse(parsed);
  if (!result.success) throw new AppError('invalid_cursor', 'The cursor is not one this API returned');
  return { time: new Date(result.data.t), id: result.data.id };
}
