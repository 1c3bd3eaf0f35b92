import { CognitoJwtVerifier, JwtVerifier } from 'aws-jwt-verify';
import { JwtExpiredError } from 'aws-jwt-verify/error';
import type { Jwks } from 'aws-jwt-verify/jwk';
import type { Config } from '../config/config-schema';
import { DomainError } from '../domain/errors';
import { subjectProblem } from './subject';

export interface VerifiedToken {
  readonly sub: string;
  /** Claims as API Gateway's JWT authorizer passes them on. */
  readonly claims: Readonly<Record<string, string | number | boolean | string[]>>;
}

export interface TokenVerifier {
  verify(token: string): Promise<VerifiedToken>;
}

const unauthorized = (message: string) => new DomainError('UNAUTHORIZED', message);

/** Seconds a token's `iat` may lie ahead of this clock (issuer and Lambda clocks drift a little). */
export const MAX_CLOCK_SKEW_SECONDS = 60;

/**
 * Checks the library leaves to the caller: a token must expire (`exp`; Cognito always sets it),
 * must not be issued in the future, and must have a subject that can be a user id (subject.ts).
 */
function toVerified(payload: Record<string, unknown>, nowMs: number): VerifiedToken {
  if (typeof payload.exp !== 'number' || !Number.isFinite(payload.exp))
    throw unauthorized('The bearer token has no expiry.');
  if (payload.iat !== undefined) {
    if (typeof payload.iat !== 'number' || !Number.isFinite(payload.iat))
      throw unauthorized('The bearer token is invalid.');
    if (payload.iat > nowMs / 1000 + MAX_CLOCK_SKEW_SECONDS)
      throw unauthorized('The bearer token was issued in the future.');
  }
  const problem = subjectProblem(payload.sub);
  if (problem !== undefined) throw unauthorized(problem);
  const sub = payload.sub as string;
  const claims: Record<string, string | number | boolean | string[]> = {};
  for (const [key, value] of Object.entries(payload)) {
    if (['string', 'number', 'boolean'].includes(typeof value))
      claims[key] = value as string | number | boolean;
    else if (Array.isArray(value)) claims[key] = value.map(String);
  }
  return { sub, claims };
}

/**
 * RFC 7515 §4.1.11: a `crit` header names extensions the recipient must understand or refuse
 * the token. This verifier understands none, so any `crit` is refused.
 */
function refuseCriticalExtensions(token: string): void {
  const header = token.split('.', 1)[0] ?? '';
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));
  } catch {
    return; // Not a JWT at all: the library refuses it with its own reason.
  }
  if (parsed !== null && typeof parsed === 'object' && Object.hasOwn(parsed, 'crit'))
    throw unauthorized('The bearer token requires an unsupported extension.');
}

function mapVerificationError(error: unknown): DomainError {
  if (error instanceof DomainError) return error;
  if (error instanceof JwtExpiredError) return unauthorized('The bearer token has expired.');
  return unauthorized('The bearer token is invalid.');
}

/**
 * The one JWT check of the system. On AWS it trusts the Cognito user pool (the HTTP API's JWT
 * authorizer checks the same issuer and audience); locally it trusts the local issuer, whose
 * public keys arrive in LOCAL_JWKS, and never fetches anything over the network.
 */
export function createTokenVerifier(
  config: Config,
  options: { readonly now?: () => number } = {},
): TokenVerifier {
  const now = options.now ?? Date.now;
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
          refuseCriticalExtensions(token);
          // verifySync only uses the cached JWKS: an unknown key id fails instead of fetching.
          return toVerified(verifier.verifySync(token) as Record<string, unknown>, now());
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
        refuseCriticalExtensions(token);
        return toVerified((await verifier.verify(token)) as Record<string, unknown>, now());
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
