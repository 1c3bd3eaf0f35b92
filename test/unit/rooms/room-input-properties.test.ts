import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createRoomBodySchema,
  METADATA_MAX_BYTES,
  METADATA_MAX_DEPTH,
  updateRoomBodySchema,
} from '../../../shared/schemas/rooms';

const nested = (levels: number): Record<string, unknown> => {
  let value: Record<string, unknown> = {};
  for (let i = 1; i < levels; i++) value = { d: value };
  return value;
};
const arraysDeep = (levels: number): Record<string, unknown> => {
  let value: unknown = [];
  for (let i = 2; i < levels; i++) value = [value];
  return { a: value };
};
const depthOf = (value: unknown): number =>
  value !== null && typeof value === 'object'
    ? 1 + Math.max(0, ...Object.values(value as Record<string, unknown>).map(depthOf))
    : 0;

describe('metadata nesting (DESIGN §6: depth ≤ 32)', () => {
  it('is 32', () => {
    expect(METADATA_MAX_DEPTH).toBe(32);
  });

  it('accepts 32 levels and refuses 33, on create and on patch', () => {
    for (const schema of [createRoomBodySchema, updateRoomBodySchema]) {
      expect(schema.safeParse({ room_name: 'r', metadata: nested(32) }).success).toBe(true);
      expect(schema.safeParse({ room_name: 'r', metadata: arraysDeep(32) }).success).toBe(true);
      expect(schema.safeParse({ room_name: 'r', metadata: nested(33) }).success).toBe(false);
      expect(schema.safeParse({ room_name: 'r', metadata: arraysDeep(33) }).success).toBe(false);
    }
  });

  it('refuses 4,000 levels as an issue, without exhausting the stack', () => {
    expect(() =>
      createRoomBodySchema.safeParse({ room_name: 'r', metadata: arraysDeep(4000) }),
    ).not.toThrow();
    expect(createRoomBodySchema.safeParse({ room_name: 'r', metadata: arraysDeep(4000) }).success).toBe(
      false,
    );
  });

  it('accepts a JSON object exactly when it fits size and depth, and returns it unchanged (property)', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 40 }), { maxKeys: 4 }), (metadata) => {
        // `__proto__` keys never reach a schema: the request's JSON parser refuses them (400).
        fc.pre(!JSON.stringify(metadata).includes('"__proto__":'));
        const json = JSON.parse(JSON.stringify(metadata)) as Record<string, unknown>;
        const fits =
          Buffer.byteLength(JSON.stringify(json)) <= METADATA_MAX_BYTES &&
          depthOf(json) <= METADATA_MAX_DEPTH;
        const result = createRoomBodySchema.safeParse({ room_name: 'r', metadata: json });
        expect(result.success).toBe(fits);
        if (result.success) expect(result.data.metadata).toEqual(json);
      }),
      { numRuns: 200 },
    );
  });
});

describe('room_name: invisible and direction-changing characters', () => {
  it.each([
    ['only a zero-width space', '\u200b'],
    ['only word joiners', '\u2060\u2060'],
    ['only a byte-order mark', '\ufeff'],
    ['only format characters mixed with spaces', ' \u200b \u200c\u200d \u2060 '],
    ['only a soft hyphen', '\u00ad'],
    ['only Hangul fillers', '\u3164\u115f'],
    ['only variation selectors', '\ufe0f\ufe0e'],
  ])('refuses a name made of %s', (_what, name) => {
    const result = createRoomBodySchema.safeParse({ room_name: name });

    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['room_name']);
  });

  it.each([
    ['a right-to-left override', 'invoice\u202etxt.exe'],
    ['a left-to-right embedding', 'a\u202ab'],
    ['a pop directional formatting', 'a\u202cb'],
    ['a left-to-right isolate', 'a\u2066b\u2069'],
    ['a first-strong isolate', '\u2068name'],
  ])('refuses a name carrying %s', (_what, name) => {
    expect(createRoomBodySchema.safeParse({ room_name: name }).success).toBe(false);
    expect(updateRoomBodySchema.safeParse({ room_name: name }).success).toBe(false);
  });

  it('keeps names that have visible characters, with joiners where scripts need them', () => {
    for (const name of ['Blood pressure', '👩‍⚕️ Doctor', 'श्री', 'مرحبا', 'a\u200bb', '❤️']) {
      expect(createRoomBodySchema.safeParse({ room_name: name }).success).toBe(true);
    }
  });

  it('accepts a name exactly when it has a visible character and no bidi control (property)', () => {
    const invisible = fc.constantFrom(
      '\u200b',
      '\u200c',
      '\u200d',
      '\u2060',
      '\ufeff',
      '\u00ad',
      ' ',
      '\u3164',
    );
    const bidi = fc.constantFrom(
      '\u202a',
      '\u202b',
      '\u202c',
      '\u202d',
      '\u202e',
      '\u2066',
      '\u2067',
      '\u2068',
      '\u2069',
    );
    fc.assert(
      fc.property(
        fc.array(fc.oneof(invisible, bidi, fc.string({ unit: 'grapheme', maxLength: 3 })), { maxLength: 8 }),
        (parts) => {
          const name = parts.join('');
          const trimmed = name.trim().normalize('NFC');
          const visible = trimmed.replace(/[\p{Cf}\p{White_Space}\p{Default_Ignorable_Code_Point}]/gu, '');
          const expected =
            visible.length > 0 &&
            [...trimmed].length <= 100 &&
            !/[\u202a-\u202e\u2066-\u2069]/.test(name) &&
            !/\p{Cc}/u.test(trimmed);
          expect(createRoomBodySchema.safeParse({ room_name: name }).success).toBe(expected);
        },
      ),
      { numRuns: 300 },
    );
  });
});
