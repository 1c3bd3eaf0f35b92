import { describe, expect, it } from 'vitest';
import { generateSigningKey, mintToken } from '../../../local/local-issuer';
import { bearerToken, createTokenVerifier } from '../../../shared/auth/token-verifier';
import { parseConfig } from '../../../shared/config/config';
import { testAudience, testIssuer, tokenFor } from '../../support/test-keys';

const verifier = createTokenVerifier(parseConfig(process.env));

describe('the local token verifier', () => {
  it('accepts a token of the local issuer and returns its subject and claims', async () => {
    const verified = await verifier.verify(tokenFor('alice'));

    expect(verified.sub).toBe('alice');
    expect(verified.claims.iss).toBe(testIssuer);
  });

  it('rejects an expired token, saying it expired', async () => {
    const token = tokenFor('alice', { now: new Date(Date.now() - 7200_000), expiresInSeconds: 3600 });

    await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'UNAUTHORIZED', message: /expired/ });
  });

  it('rejects a token signed by another key, without fetching anything', async () => {
    const foreign = mintToken(generateSigningKey(), {
      sub: 'alice',
      issuer: testIssuer,
      audience: testAudience,
    });

    await expect(verifier.verify(foreign)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('rejects a token for another issuer or audience', async () => {
    await expect(verifier.verify(tokenFor('alice', { issuer: 'http://evil' }))).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
    });
    await expect(verifier.verify(tokenFor('alice', { audience: 'other-app' }))).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
    });
  });

  it('rejects a token whose payload was altered', async () => {
    const [header, , signature] = tokenFor('alice').split('.');
    const payload = Buffer.from(
      JSON.stringify({ sub: 'admin', iss: testIssuer, aud: testAudience }),
    ).toString('base64url');

    await expect(verifier.verify(`${header}.${payload}.${signature}`)).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
    });
  });

  it('rejects garbage', async () => {
    await expect(verifier.verify('not-a-jwt')).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });
});

describe('bearerToken', () => {
  it('reads the token of a Bearer authorization header, in any case', () => {
    expect(bearerToken('Bearer abc.def.ghi')).toBe('abc.def.ghi');
    expect(bearerToken('bearer abc')).toBe('abc');
  });

  it('returns nothing for other schemes or no header', () => {
    expect(bearerToken('Basic dXNlcjpwYXNz')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
    expect(bearerToken('Bearer')).toBeUndefined();
  });
});
