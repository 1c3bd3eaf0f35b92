import { generateSigningKey, jwksOf, type MintOptions, mintToken } from '../../local/local-issuer';

/** A signing key made once per test worker; test-env.ts publishes its JWKS as LOCAL_JWKS. */
export const testSigningKey = generateSigningKey();
export const testIssuer = 'http://careguide.test';
export const testAudience = 'careguide-test';
export const testJwks = jwksOf(testSigningKey);

export const tokenFor = (sub: string, options: Partial<MintOptions> = {}): string =>
  mintToken(testSigningKey, { sub, issuer: testIssuer, audience: testAudience, ...options });
