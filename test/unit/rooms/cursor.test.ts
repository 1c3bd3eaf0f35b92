import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { cursorOwner, decodeCursor, encodeCursor } from '../../../shared/domain/cursor';

const schema = z.strictObject({ v: z.literal(1), owner: z.string(), after: z.string() });

describe('page cursors', () => {
  it('read back what they carry', () => {
    const payload = { v: 1, owner: cursorOwner('alice'), after: 'ROOM#1' } as const;

    expect(decodeCursor(schema, encodeCursor(payload))).toEqual(payload);
  });

  it('are bound to a user by a hash that does not reveal the user id', () => {
    expect(cursorOwner('alice')).not.toBe(cursorOwner('bob'));
    expect(cursorOwner('alice')).not.toContain('alice');
    expect(cursorOwner('alice')).toBe(cursorOwner('alice'));
  });

  it.each([
    ['not base64url', '***'],
    ['base64url of something that is not JSON', Buffer.from('hello').toString('base64url')],
    ['JSON of another shape', encodeCursor({ v: 2, owner: 'x', after: 'y' })],
    ['JSON with an extra field', encodeCursor({ v: 1, owner: 'x', after: 'y', admin: true })],
    ['a non-canonical spelling (stray trailing bits)', `${encodeCursor({ v: 1, owner: 'x', after: 'y' })}A`],
  ])('are refused with 400 at query.cursor when %s', (_case, cursor) => {
    expect(() => decodeCursor(schema, cursor)).toThrow(
      expect.objectContaining({
        code: 'VALIDATION_ERROR',
        details: [{ path: 'query.cursor', message: 'invalid cursor' }],
      }),
    );
  });
});
