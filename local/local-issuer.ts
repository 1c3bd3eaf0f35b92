import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
} from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The local sign-in issuer: an RSA key made at first start (kept in a file, so gateway processes
 * that share the file trust each other's tokens) and RS256 JWTs that the same verification code
 * as on AWS checks (shared/auth/token-verifier.ts).
 */
export interface LocalSigningKey {
  readonly privateKey: KeyObject;
  readonly publicJwk: Record<string, string>;
}

function toSigningKey(privateKey: KeyObject): LocalSigningKey {
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' }) as Record<string, string>;
  const thumbprint = createHash('sha256')
    .update(JSON.stringify({ e: jwk.e, kty: jwk.kty, n: jwk.n }))
    .digest('base64url');
  return {
    privateKey,
    publicJwk: { kty: 'RSA', n: jwk.n ?? '', e: jwk.e ?? '', kid: thumbprint, alg: 'RS256', use: 'sig' },
  };
}

export function generateSigningKey(): LocalSigningKey {
  return toSigningKey(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
}

/** Reads the key from `file`, or makes one and writes it there (mode 0600). */
export function loadOrCreateSigningKey(file: string): LocalSigningKey {
  if (existsSync(file)) return toSigningKey(createPrivateKey(readFileSync(file, 'utf8')));
  const key = generateSigningKey();
  mkdirSync(dirname(file), { recursive: true });
  try {
    writeFileSync(file, key.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, {
      mode: 0o600,
      flag: 'wx',
    });
  } catch (error) {
    // Another gateway process made the key first: trust that one.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST')
      return toSigningKey(createPrivateKey(readFileSync(file, 'utf8')));
    throw error;
  }
  return key;
}

export const jwksOf = (key: LocalSigningKey): string => JSON.stringify({ keys: [key.publicJwk] });

export interface MintOptions {
  readonly sub: string;
  readonly issuer: string;
  readonly audience: string;
  readonly expiresInSeconds?: number;
  /** Injected time (tests mint expired tokens without waiting). */
  readonly now?: Date;
  readonly extraClaims?: Record<string, unknown>;
}

export function mintToken(key: LocalSigningKey, options: MintOptions): string {
  const iat = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const payload = {
    ...options.extraClaims,
    sub: options.sub,
    iss: options.issuer,
    aud: options.audience,
    iat,
    nbf: iat,
    exp: iat + (options.expiresInSeconds ?? 3600),
    token_use: 'access',
  };
  return signJwt(key, {}, payload);
}

/**
 * Signs any header and payload with the key (RS256). `mintToken` builds on it; tests use it
 * directly to make tokens a well-behaved issuer never makes (no `exp`, a `crit` header, ...).
 */
export function signJwt(
  key: LocalSigningKey,
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
): string {
  const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString('base64url');
  const signingInput = `${encode({ alg: 'RS256', typ: 'JWT', kid: key.publicJwk.kid, ...header })}.${encode(payload)}`;
  const signature = sign('RSA-SHA256', Buffer.from(signingInput), key.privateKey).toString('base64url');
  return `${signingInput}.${signature}`;
}
