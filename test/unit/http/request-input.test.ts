import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { httpHandler } from '../../../shared/http/http-handler';
import { created } from '../../../shared/http/responses';
import { defineRoute } from '../../../shared/routes/route-definition';
import { apiEvent, invoke, testContext } from '../../support/api-event';

/** A route that echoes whatever JSON it was given, so a silent change would show. */
const echoRoute = defineRoute({
  id: 'echoJson',
  method: 'POST',
  path: '/api/echo',
  summary: 'test route',
  tags: ['test'],
  handler: { entry: 'unused.ts', export: 'handler' },
  auth: 'jwt',
  kind: 'http',
  request: { body: z.strictObject({ value: z.unknown() }) },
  responses: { 201: { description: 'created' } },
  errors: ['VALIDATION_ERROR'],
  access: {},
});
const echo = httpHandler(echoRoute, async (request) => created(request.body));
const send = (body: string, sub = 'alice') => invoke(echo, { method: 'POST', body, sub });

describe('the signed-in user on the HTTP API path (claims from the JWT authorizer)', () => {
  it.each([
    ['the key separator', 'victim#ROOM#room_1'],
    ['2,000 characters', 'a'.repeat(2000)],
    ['a control character', 'alice\u0000'],
  ])('answers 401 UNAUTHORIZED for a sub with %s, before the handler runs', async (_what, sub) => {
    const response = await send('{"value":1}', sub);

    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe('UNAUTHORIZED');
  });
});

describe('a body that is not valid UTF-8', () => {
  it.each([
    ['a lone continuation byte', [0x80]],
    ['a truncated sequence', [0xe2, 0x82]],
    ['an overlong encoding of "/"', [0xc0, 0xaf]],
    ['a UTF-16 surrogate encoded as UTF-8', [0xed, 0xa0, 0x80]],
    ['0xFF', [0xff]],
  ])('answers 400 for %s inside a JSON string (it is never stored as U+FFFD)', async (_what, bytes) => {
    const raw = Buffer.concat([Buffer.from('{"value":"a'), Buffer.from(bytes), Buffer.from('"}')]);
    const event = { ...apiEvent({ method: 'POST', body: '', sub: 'alice' }), body: raw.toString('base64') };
    event.isBase64Encoded = true;
    event.headers = { 'content-type': 'application/json' };

    const result = (await echo(event, testContext())) as { statusCode: number; body: string };

    expect(result.statusCode).toBe(400);
    expect(JSON.parse(result.body).error.code).toBe('INVALID_JSON');
  });

  it('answers 400 for a text body holding a lone surrogate (it has no UTF-8 form)', async () => {
    const response = await send('{"value":"a\ud800b"}');

    expect(response.status).toBe(400);
  });

  it('accepts multi-byte text, sent as text or base64', async () => {
    const body = '{"value":"😀 é ü 中"}';
    const event = apiEvent({ method: 'POST', body, sub: 'alice' });
    const base64 = { ...event, body: Buffer.from(body).toString('base64'), isBase64Encoded: true };

    expect((await send(body)).body.data.value).toBe('😀 é ü 中');
    const result = (await echo(base64, testContext())) as { statusCode: number; body: string };
    expect(JSON.parse(result.body).data.value).toBe('😀 é ü 中');
  });
});

describe('JSON that JSON.parse would silently change is refused with 400, never stored changed', () => {
  it.each([
    ['a number too large for a double', '{"value":{"n":1e309}}', 'body.value.n'],
    ['a negative number too large', '{"value":[-1e400]}', 'body.value.0'],
    ['a number that underflows to 0', '{"value":1e-400}', 'body.value'],
    ['an integer beyond 2^53 (digits lost)', '{"value":12345678901234567890}', 'body.value'],
    ['a decimal with more digits than a double keeps', '{"value":0.10000000000000000001}', 'body.value'],
    ['negative zero (stored as 0)', '{"value":-0}', 'body.value'],
    [
      'a __proto__ key (dropped by object spreads)',
      '{"value":{"__proto__":{"admin":true}}}',
      'body.value.__proto__',
    ],
    ['a duplicate key (all but the last dropped)', '{"value":{"a":1,"a":2}}', 'body.value.a'],
    ['a lone surrogate escape', '{"value":"\\ud800"}', 'body.value'],
    ['a lone surrogate escape in a key', '{"value":{"\\udc00":1}}', 'body.value'],
  ])('%s', async (_what, body, path) => {
    const response = await send(body);

    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('VALIDATION_ERROR');
    expect(response.body.error.details[0].path).toBe(path);
  });

  it('answers 400, not 500, to JSON nested 4,000 deep (no stack overflow)', async () => {
    const arrays = await send(`{"value":${'['.repeat(4000)}${']'.repeat(4000)}}`);
    const objects = await send(`{"value":${'{"a":'.repeat(4000)}1${'}'.repeat(4000)}}`);

    expect([arrays.status, arrays.body.error.code]).toEqual([400, 'VALIDATION_ERROR']);
    expect([objects.status, objects.body.error.code]).toEqual([400, 'VALIDATION_ERROR']);
  });

  it('keeps what survives exactly: big and small doubles, escapes, pairs, empty keys', async () => {
    const body =
      '{"value":{"":1,"big":1e300,"tiny":5e-324,"pi":3.141592653589793,"one":1.0,"max":9007199254740991,"s":"\\u00e9\\n\\ud83d\\ude00","nested":[[],{},null,true,false,-1.5]}}';

    const response = await send(body);

    expect(response.status).toBe(201);
    expect(response.body.data).toEqual(JSON.parse(body));
  });

  it('answers 400 INVALID_JSON for malformed JSON', async () => {
    for (const body of [
      '{"value":',
      '{"value":01}',
      '{"value":1,}',
      "{'value':1}",
      '{"value":NaN}',
      '{"value":1} x',
    ]) {
      const response = await send(body);
      expect([body, response.status, response.body.error.code]).toEqual([body, 400, 'INVALID_JSON']);
    }
  });

  it('never answers 500 and never changes a value (property: any JSON text)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 6 }), async (value) => {
        const text = `{"value":${JSON.stringify(value)}}`;
        const response = await send(text);
        // The oracle: refused exactly when the text holds what storage would change.
        const refusable = /"__proto__":/.test(text) || /(?<!\\)(?:\\\\)*\\ud[89a-f][0-9a-f]{2}/i.test(text);
        if (refusable) expect(response.status).toBe(400);
        else {
          expect(response.status).toBe(201);
          expect(response.body.data.value).toEqual(JSON.parse(JSON.stringify(value)));
        }
      }),
      { numRuns: 300 },
    );
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 60 }), async (junk) => {
        const response = await send(`{"value":${junk}}`);
        expect([201, 400]).toContain(response.status);
        if (response.status === 201) expect(response.body.data.value).toEqual(JSON.parse(junk));
      }),
      { numRuns: 300 },
    );
  });

  it('refuses every number whose value would change, and keeps every other (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.double().filter(Number.isFinite).map(String),
          fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String),
          fc
            .tuple(fc.integer({ min: 0, max: 99999 }), fc.integer({ min: -400, max: 400 }))
            .map(([mantissa, exponent]) => `${mantissa}e${exponent}`),
        ),
        async (literal) => {
          const response = await send(`{"value":${literal}}`);
          const value = Number(literal);
          // The oracle: kept exactly when the double reads back as the same decimal value.
          const exact = Number.isFinite(value) && decimalOf(String(value)) === decimalOf(literal);
          expect(response.status).toBe(exact ? 201 : 400);
          if (exact) expect(response.body.data.value).toBe(value);
        },
      ),
      { numRuns: 300 },
    );
  });
});

/** A decimal literal as sign, significant digits and exponent: equal strings are equal values. */
function decimalOf(literal: string): string {
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(literal);
  if (!match) return `not a number: ${literal}`;
  const [, sign = '', whole = '', fraction = '', exponent = '0'] = match;
  const digits = (whole + fraction).replace(/^0+/, '');
  if (digits === '') return `${sign}0`;
  const trimmed = digits.replace(/0+$/, '');
  const scale = Number(exponent) - fraction.length + (digits.length - trimmed.length);
  return `${sign}${trimmed}e${scale}`;
}
