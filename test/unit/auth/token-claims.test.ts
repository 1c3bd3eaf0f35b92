import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { signJwt } from '../../../local/local-issuer';
import { MAX_SUBJECT_CHARACTERS, subjectProblem } from '../../../shared/auth/subject';
import { createTokenVerifier } from '../../../shared/auth/token-verifier';
import { parseConfig } from '../../../shared/config/config';
import { testAudience, testIssuer, testSigningKey, tokenFor } from '../../support/test-keys';

const verifier = createTokenVerifier(parseConfig(process.env));
const nowSeconds = () => Math.floor(Date.now() / 1000);
const claims = (overrides: Record<string, unknown> = {}) => ({
  sub: 'alice',
  iss: testIssuer,
  aud: testAudience,
  iat: nowSeconds(),
  exp: nowSeconds() + 3600,
  ...overrides,
});
const signed = (payload: Record<string, unknown>, header: Record<string, unknown> = {}) =>
  signJwt(testSigningKey, header, payload);

describe('the subject of a token (DESIGN §6: 1-128 characters, no #, no control characters)', () => {
  it.each([
    ['the key separator', 'victim#ROOM#room_1'],
    ['a lone separator', '#'],
    ['129 characters', 'a'.repeat(MAX_SUBJECT_CHARACTERS + 1)],
    ['2,000 characters', 'a'.repeat(2000)],
    ['a NUL', 'alice\u0000'],
    ['a line feed', 'alice\nbob'],
    ['a DEL', 'alice\u007f'],
    ['a C1 control', 'alice\u0085'],
    ['a lone surrogate (no UTF-8 form: two users would share one key)', 'alice\ud800'],
  ])('refuses a subject with %s with 401', async (_what, sub) => {
    await expect(verifier.verify(tokenFor(sub))).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('refuses a token whose subject is empty or not a string', async () => {
    await expect(verifier.verify(signed(claims({ sub: '' })))).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
    });
    await expect(verifier.verify(signed(claims({ sub: 42 })))).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
    });
  });

  it('accepts a subject of exactly 128 characters, and a Cognito-style UUID', async () => {
    const long = 'é'.repeat(MAX_SUBJECT_CHARACTERS);
    await expect(verifier.verify(tokenFor(long))).resolves.toMatchObject({ sub: long });
    const uuid = '8d2a6f1c-3b4e-4c5d-9e8f-0a1b2c3d4e5f';
    await expect(verifier.verify(tokenFor(uuid))).resolves.toMatchObject({ sub: uuid });
  });

  it('accepts exactly the subjects the rule allows (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 140 }),
          fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }),
          fc
            .constantFrom('#', '\u0000', '\u001f', '\u007f', '\u009f')
            .chain((bad) =>
              fc
                .tuple(fc.string({ maxLength: 20 }), fc.string({ maxLength: 20 }))
                .map(([a, b]) => a + bad + b),
            ),
        ),
        async (sub) => {
          const allowed =
            sub.length > 0 &&
            [...sub].length <= MAX_SUBJECT_CHARACTERS &&
            !sub.includes('#') &&
            !/\p{Cc}/u.test(sub) &&
            !/\p{Cs}/u.test(sub);
          expect(subjectProblem(sub) === undefined).toBe(allowed);
          const outcome = await verifier.verify(tokenFor(sub)).then(
            (verified) => verified.sub,
            (error: { code?: string }) => error.code,
          );
          expect(outcome).toBe(allowed ? sub : 'UNAUTHORIZED');
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('the time claims and header of a token', () => {
  it('refuses a token without exp (Cognito always sets one)', async () => {
    const { exp: _exp, ...noExpiry } = claims();
    await expect(verifier.verify(signed(noExpiry))).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('refuses a token issued in the future beyond the allowed clock skew', async () => {
    const token = signed(claims({ iat: nowSeconds() + 3600, exp: nowSeconds() + 7200 }));
    await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('accepts a token issued a few seconds ahead of this clock (clock skew)', async () => {
    const token = signed(claims({ iat: nowSeconds() + 20 }));
    await expect(verifier.verify(token)).resolves.toMatchObject({ sub: 'alice' });
  });

  it('refuses a token whose exp or iat is not a plain number', async () => {
    await expect(verifier.verify(signed(claims({ exp: String(nowSeconds() + 60) })))).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
    });
    await expect(verifier.verify(signed(claims({ iat: 'yesterday' })))).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
    });
  });

  it('refuses a token with a crit header: no extension is understood here (RFC 7515 §4.1.11)', async () => {
    await expect(verifier.verify(signed(claims(), { crit: ['exp'] }))).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
    });
    await expect(verifier.verify(signed(claims(), { crit: ['b64'], b64: false }))).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
    });
  });

  it('refuses any token whose time claims are off, and accepts the rest (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.option(fc.integer({ min: -7200, max: 7200 }), { nil: undefined }),
        fc.option(fc.integer({ min: -7200, max: 7200 }), { nil: undefined }),
        async (expOffset, iatOffset) => {
          const now = nowSeconds();
          const payload: Record<string, unknown> = { sub: 'alice', iss: testIssuer, aud: testAudience };
          if (expOffset !== undefined) payload.exp = now + expOffset;
          if (iatOffset !== undefined) payload.iat = now + iatOffset;
          // Margins keep the property away from the second the test itself takes.
          if (expOffset !== undefined && Math.abs(expOffset) < 5) return;
          if (iatOffset !== undefined && Math.abs(iatOffset - 60) < 5) return;
          const acceptable =
            expOffset !== undefined && expOffset > 0 && (iatOffset === undefined || iatOffset < 60);
          const outcome = await verifier.verify(signed(payload)).then(
            () => 'ok',
            (error: { code?: string }) => error.code,
          );
          expect(outcome).toBe(acceptable ? 'ok' : 'UNAUTHORIZED');
        },
      ),
      { numRuns: 100 },
    );
  });
});
