import { describe, expect, it } from 'vitest';
import {
  createRoomBodySchema,
  listRoomsQuerySchema,
  updateRoomBodySchema,
} from '../../../shared/schemas/rooms';

const issuesOf = (result: {
  success: boolean;
  error?: { issues: { path: PropertyKey[]; message: string }[] };
}) => result.error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`) ?? [];

describe('room_name', () => {
  it('is trimmed and NFC-normalised', () => {
    const parsed = createRoomBodySchema.parse({ room_name: '  Cafe\u0301 notes \n' });

    expect(parsed.room_name).toBe('Café notes');
  });

  it.each([
    ['empty', ''],
    ['blank', ' \t '],
    ['101 characters', 'a'.repeat(101)],
    ['101 emoji', '😀'.repeat(101)],
    ['a control character inside', 'line\nbreak'],
    ['a NUL', 'nul\u0000'],
  ])('is refused when %s', (_case, roomName) => {
    const result = createRoomBodySchema.safeParse({ room_name: roomName });

    expect(result.success).toBe(false);
    expect(issuesOf(result)[0]).toMatch(/^room_name: /);
  });

  it('counts characters, not UTF-16 units: 100 emoji fit', () => {
    expect(createRoomBodySchema.safeParse({ room_name: '😀'.repeat(100) }).success).toBe(true);
  });
});

describe('metadata', () => {
  it('accepts a JSON object of exactly 10 KB and refuses one byte more', () => {
    const overhead = JSON.stringify({ k: '' }).length;
    const exact = { k: 'x'.repeat(10 * 1024 - overhead) };
    const over = { k: 'x'.repeat(10 * 1024 - overhead + 1) };

    expect(createRoomBodySchema.safeParse({ room_name: 'r', metadata: exact }).success).toBe(true);
    expect(issuesOf(createRoomBodySchema.safeParse({ room_name: 'r', metadata: over }))[0]).toMatch(
      /^metadata: must be at most 10240 bytes/,
    );
  });

  it('counts bytes, not characters (multi-byte text weighs more)', () => {
    const fourByteChars = { k: '😀'.repeat(2600) };

    expect(createRoomBodySchema.safeParse({ room_name: 'r', metadata: fourByteChars }).success).toBe(false);
  });

  it.each([
    ['an array', [1]],
    ['null', null],
    ['a string', 'tags'],
  ])('must be an object, not %s', (_case, metadata) => {
    expect(createRoomBodySchema.safeParse({ room_name: 'r', metadata }).success).toBe(false);
  });

  it('refuses JSON nested deeper than 32 levels', () => {
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < 33; i++) deep = { d: deep };

    expect(createRoomBodySchema.safeParse({ room_name: 'r', metadata: deep }).success).toBe(false);
  });
});

describe('PATCH body', () => {
  it('needs room_name or metadata', () => {
    expect(updateRoomBodySchema.safeParse({}).success).toBe(false);
    expect(updateRoomBodySchema.safeParse({ metadata: {} }).success).toBe(true);
    expect(updateRoomBodySchema.safeParse({ room_name: 'x' }).success).toBe(true);
  });
});

describe('list query', () => {
  it('has the documented defaults', () => {
    expect(listRoomsQuerySchema.parse({})).toEqual({
      limit: 20,
      offset: 0,
      sort_by: 'last_activity',
      order: 'desc',
    });
  });
});
