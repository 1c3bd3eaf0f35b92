import { CognitoJwtVerifier, JwtVerifier } from 'aws-jwt-verify';
import { JwtExpiredError } from 'aws-jwt-verify/error';
import type { Jwks } from 'aws-jwt-verify/jwk';
import type { Config } from '../config/config-schema';
import { DomainError } from '../domain/errors';

export interface VerifiedToken {
  readonly sub: string;
  /** Claims as API Gateway's JWT authorizer passes them on. */
  readonly claims: Readonly<Record<string, string | number | boolean | string[]>>;
}

export interface TokenVerifier {
  verify(token: string): Promise<VerifiedToken>;
}

const unauthorized = (message: string) => new DomainError('UNAUTHORIZED', message);

function toVerified(payload: Record<string, unknown>): VerifiedToken {
  const sub = payload.sub;
  if (typeof sub !== 'string' || sub.length === 0) throw unauthorized('The bearer token has no subject.');
  const claims: Record<string, string | number | boolean | string[]> = {};
  for (const [key, value] of Object.entries(payload)) {
    if (['string', 'number', 'boolean'].includes(typeof value))
      claims[key] = value as string | number | boolean;
    else if (Array.isArray(value)) claims[key] = value.map(String);
  }
  return { sub, claims };
}

function mapVerificationError(error: unknown): DomainError {
  if (error instanceof JwtExpiredError) return unauthorized('The bearer token has expired.');
  return unauthorized('The bearer token is invalid.');
}

/**
 * The one JWT check of the system. On AWS it trusts the Cognito user pool (the HTTP API's JWT
 * authorizer checks the same issuer and audience); locally it trusts the local issuer, whose
 * public keys arrive in LOCAL_JWKS, and never fetches anything over the network.
 */
export function createTokenVerifier(config: Config): TokenVerifier {
  if (config.AUTH_MODE === 'local') {
    const verifier = JwtVerifier.create({
      issuer: config.LOCAL_ISSUER,
      audience: config.LOCAL_AUDIENCE,
      jwksUri: `${config.LOCAL_ISSUER}/.well-known/jwks.json`,
    });
    verifier.cacheJwks(JSON.parse(config.LOCAL_JWKS ?? '{"keys":[]}') as Jwks);
    return {
      async verify(token) {
        try {
          // verifySync only uses the cached JWKS: an unknown key id fails instead of fetching.
          return toVerified(verifier.verifySync(token) as Record<string, unknown>);
        } catch (error) {
          throw mapVerificationError(error);
        }
      },
    };
  }
  const verifier = CognitoJwtVerifier.create({
    userPoolId: config.COGNITO_USER_POOL_ID ?? '',
    clientId: config.COGNITO_CLIENT_ID ?? '',
    tokenUse: null,
  });
  return {
    async verify(token) {
      try {
        return toVerified((await verifier.verify(token)) as Record<string, unknown>);
      } catch (error) {
        throw mapVerificationError(error);
      }
    },
  };
}

/** The token of an `Authorization: Bearer <token>` header, if there is one. */
export function bearerToken(authorization: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  return match?.[1];
}
