import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { DomainError } from './errors';

/**
 * Page cursors: opaque base64url JSON that the server reads back with a zod schema. Each one is
 * bound to the user it was made for (a short hash of `sub`) and to the listing it came from, so a
 * cursor of another user, list, sort or order is rejected instead of repositioning silently.
 */
export const cursorOwner = (userId: string): string =>
  createHash('sha256').update(`cursor:${userId}`).digest('base64url').slice(0, 16);

export const encodeCursor = (payload: object): string =>
  Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');

export const invalidCursor = (): DomainError =>
  new DomainError('VALIDATION_ERROR', 'Invalid request query.', {
    details: [{ path: 'query.cursor', message: 'invalid cursor' }],
  });

/** The cursor's payload, or a 400 VALIDATION_ERROR at `query.cursor` if it is not one of ours. */
export function decodeCursor<S extends z.ZodType>(schema: S, cursor: string): z.output<S> {
  let json: unknown;
  try {
    const bytes = Buffer.from(cursor, 'base64url');
    // Only the canonical spelling: base64 ignores stray trailing bits, a cursor does not.
    if (bytes.toString('base64url') !== cursor) throw new Error('not canonical base64url');
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw invalidCursor();
  return parsed.data;
}
