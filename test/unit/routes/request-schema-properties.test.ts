import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { routeTable } from '../../../shared/routes/route-table';

/**
 * Properties of every request schema in the route table, so a new route or field joins the
 * checks by being declared: hostile input is an issue (400), never an exception (500), and what
 * a schema accepts is safe to put in a key and to store.
 */
const parts = routeTable.flatMap((route) =>
  (['params', 'query', 'body', 'headers'] as const).flatMap((part) => {
    const schema = route.request?.[part] as z.ZodType | undefined;
    return schema ? [{ name: `${route.id} ${part}`, route, part, schema }] : [];
  }),
);
const hostileString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.constantFrom(
    '#',
    'a#b',
    '\u0000',
    '\ud800',
    '\u202e',
    '\u200b',
    ' ',
    '%ZZ',
    '__proto__',
    'x'.repeat(5000),
  ),
);
const hostileValue = fc.oneof(
  fc.anything({ maxDepth: 4, withNullPrototype: true, withObjectString: true }),
  hostileString,
  fc.jsonValue({ maxDepth: 8 }),
);

describe('every request schema of the route table', () => {
  it('covers the routes that take input (the properties below are not vacuous)', () => {
    expect(parts.map((part) => part.name)).toEqual(
      expect.arrayContaining([
        'createRoom body',
        'updateRoom params',
        'sendChatMessage body',
        'listRooms query',
      ]),
    );
  });

  it.each(parts)('$name: any value is accepted or refused with issues, never thrown on', ({ schema }) => {
    fc.assert(
      fc.property(hostileValue, (value) => {
        expect(() => schema.safeParse(value)).not.toThrow();
      }),
      { numRuns: 150 },
    );
  });

  it.each(parts)(
    '$name: objects of hostile strings are accepted or refused, never thrown on',
    ({ schema }) => {
      fc.assert(
        fc.property(fc.dictionary(fc.string({ maxLength: 20 }), hostileString, { maxKeys: 5 }), (value) => {
          expect(() => schema.safeParse(value)).not.toThrow();
        }),
        { numRuns: 150 },
      );
    },
  );

  it.each(parts)(
    '$name: a field nested thousands deep is refused as an issue, without exhausting the stack',
    ({ schema }) => {
      const shape = (schema as { shape?: Record<string, unknown> }).shape ?? {};
      const fields = Object.keys(shape);
      if (fields.length === 0) return;
      fc.assert(
        fc.property(
          fc.constantFrom(...fields),
          fc.integer({ min: 1000, max: 8000 }),
          fc.boolean(),
          (field, depth, arrays) => {
            let deep: unknown = arrays ? [] : {};
            for (let level = 0; level < depth; level++) deep = arrays ? [deep] : { a: deep };
            expect(() => schema.safeParse({ [field]: deep })).not.toThrow();
          },
        ),
        { numRuns: 20 },
      );
    },
  );

  it.each(parts.filter((part) => part.part === 'params'))(
    '$name: an accepted path id can be part of a key: no #, no control or invisible characters, at most 128 characters',
    ({ schema, route }) => {
      const names = [...route.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1] ?? '');
      fc.assert(
        fc.property(hostileString, (id) => {
          const result = schema.safeParse(Object.fromEntries(names.map((name) => [name, id])));
          if (result.success) expect(id).toMatch(/^[\x21-\x22\x24-\x7E]{1,128}$/);
        }),
        { numRuns: 300 },
      );
    },
  );

  it.each(parts.filter((part) => part.part === 'body'))(
    '$name: whatever is accepted survives a JSON round trip unchanged (what is stored is what was meant)',
    ({ schema }) => {
      fc.assert(
        fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
          const result = schema.safeParse(value);
          if (result.success) expect(JSON.parse(JSON.stringify(result.data))).toEqual(result.data);
        }),
        { numRuns: 150 },
      );
    },
  );
});
