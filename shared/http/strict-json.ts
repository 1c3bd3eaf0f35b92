/**
 * A JSON parser for request bodies that refuses, instead of silently changing, what JSON.parse
 * would change: DESIGN §6 wants input "stored exactly as sent or refused". JSON.parse turns
 * 1e309 into Infinity (stored as null), 12345678901234567890 into another integer, keeps only the
 * last of duplicate keys, makes `__proto__` keys that object spreads and zod drop, accepts lone
 * surrogates that have no UTF-8 form, and recurses without a bound. Here each of those is a
 * problem with its path; nesting is bounded before it can exhaust the stack.
 */

/** Far deeper than any request schema allows (metadata: 32), shallow enough for any stack. */
export const MAX_JSON_DEPTH = 64;

export type JsonPath = readonly (string | number)[];

export class JsonProblem extends Error {
  override readonly name = 'JsonProblem';
  constructor(
    /** `syntax`: not JSON at all; `value`: JSON whose meaning would not survive parsing. */
    readonly kind: 'syntax' | 'value',
    message: string,
    readonly path: JsonPath,
  ) {
    super(message);
  }
}

const LONE_SURROGATE = /\p{Cs}/u;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
// biome-ignore lint/suspicious/noControlCharactersInRegex: JSON forbids U+0000-U+001F unescaped in strings; this finds them.
const PLAIN_CHARACTERS = /[^"\\\u0000-\u001f]*/y;
const ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

/**
 * A decimal literal reduced to sign, significant digits and exponent, so that two spellings of
 * one value (`1.0`, `1`, `10e-1`) reduce to the same string and different values never do.
 */
export function decimalKey(literal: string): string {
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(literal);
  if (!match) return literal;
  const [, sign = '', whole = '', fraction = '', exponent = '0'] = match;
  const digits = (whole + fraction).replace(/^0+/, '');
  if (digits === '') return `${sign}0`;
  const significant = digits.replace(/0+$/, '');
  const scale = Number(exponent) - fraction.length + (digits.length - significant.length);
  return `${sign}${significant}e${scale}`;
}

/** Parses `text` as one JSON value, or throws a JsonProblem. */
export function parseStrictJson(text: string, maxDepth = MAX_JSON_DEPTH): unknown {
  let at = 0;

  const syntaxError = (path: JsonPath): never => {
    throw new JsonProblem('syntax', 'Request body is not valid JSON.', path);
  };
  const skipWhitespace = () => {
    while (at < text.length) {
      const c = text.charCodeAt(at);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return;
      at++;
    }
  };

  const parseString = (path: JsonPath): string => {
    at++; // opening quote
    let result = '';
    for (;;) {
      PLAIN_CHARACTERS.lastIndex = at;
      const plain = PLAIN_CHARACTERS.exec(text)?.[0] ?? '';
      result += plain;
      at += plain.length;
      const c = text[at];
      if (c === '"') {
        at++;
        return result;
      }
      if (c !== '\\') return syntaxError(path); // end of text or an unescaped control character
      const escaped = text[at + 1] ?? '';
      if (escaped === 'u') {
        const hex = text.slice(at + 2, at + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) return syntaxError(path);
        result += String.fromCharCode(Number.parseInt(hex, 16));
        at += 6;
      } else {
        const replacement = ESCAPES[escaped];
        if (replacement === undefined) return syntaxError(path);
        result += replacement;
        at += 2;
      }
    }
  };

  const parseNumber = (path: JsonPath): number => {
    NUMBER.lastIndex = at;
    const literal = NUMBER.exec(text)?.[0];
    if (!literal) return syntaxError(path);
    at += literal.length;
    const value = Number(literal);
    if (!Number.isFinite(value)) throw new JsonProblem('value', 'is a number too large to store', path);
    if (decimalKey(String(value)) !== decimalKey(literal))
      throw new JsonProblem(
        'value',
        'is a number that cannot be stored exactly (more digits than a 64-bit double keeps, or -0)',
        path,
      );
    return value;
  };

  const parseValue = (path: JsonPath, depth: number): unknown => {
    skipWhitespace();
    const c = text[at];
    if (c === '{' || c === '[') {
      if (depth >= maxDepth) throw new JsonProblem('value', `nests deeper than ${maxDepth} levels`, path);
      return c === '{' ? parseObject(path, depth + 1) : parseArray(path, depth + 1);
    }
    if (c === '"') {
      const value = parseString(path);
      if (LONE_SURROGATE.test(value))
        throw new JsonProblem('value', 'is not valid Unicode (a lone surrogate)', path);
      return value;
    }
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return parseNumber(path);
    for (const [word, value] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (text.startsWith(word, at)) {
        at += word.length;
        return value;
      }
    }
    return syntaxError(path);
  };

  const parseObject = (path: JsonPath, depth: number): Record<string, unknown> => {
    at++;
    const result: Record<string, unknown> = {};
    skipWhitespace();
    if (text[at] === '}') {
      at++;
      return result;
    }
    for (;;) {
      skipWhitespace();
      if (text[at] !== '"') return syntaxError(path);
      const key = parseString(path);
      if (LONE_SURROGATE.test(key))
        throw new JsonProblem('value', 'has a key that is not valid Unicode (a lone surrogate)', path);
      const keyPath = [...path, key];
      if (key === '__proto__')
        throw new JsonProblem('value', 'is a key that cannot be stored (__proto__)', keyPath);
      if (Object.hasOwn(result, key)) throw new JsonProblem('value', 'is a duplicate key', keyPath);
      skipWhitespace();
      if (text[at] !== ':') return syntaxError(path);
      at++;
      result[key] = parseValue(keyPath, depth);
      skipWhitespace();
      if (text[at] === ',') {
        at++;
        continue;
      }
      if (text[at] === '}') {
        at++;
        return result;
      }
      return syntaxError(path);
    }
  };

  const parseArray = (path: JsonPath, depth: number): unknown[] => {
    at++;
    const result: unknown[] = [];
    skipWhitespace();
    if (text[at] === ']') {
      at++;
      return result;
    }
    for (;;) {
      result.push(parseValue([...path, result.length], depth));
      skipWhitespace();
      if (text[at] === ',') {
        at++;
        continue;
      }
      if (text[at] === ']') {
        at++;
        return result;
      }
      return syntaxError(path);
    }
  };

  const value = parseValue([], 0);
  skipWhitespace();
  if (at !== text.length) syntaxError([]);
  return value;
}
