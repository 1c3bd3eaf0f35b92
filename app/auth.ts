import type { CareGuideClient } from '../client/index';
import type { AppConfig } from './config';

/**
 * Signing in: locally a user name (`POST /local/token`); on AWS the Cognito user pool's
 * USER_PASSWORD_AUTH flow over plain fetch (no SDK in the bundle), refreshed with the refresh
 * token before the ID token runs out. Kept in localStorage so a reload or a second tab stays
 * signed in; signing out forgets it.
 */
export interface SignedIn {
  readonly user: string;
  readonly token: string;
  /** Epoch ms. */
  readonly expiresAt: number;
  readonly refreshToken?: string;
}

const STORAGE_KEY = 'careguide.signin';
/** Refresh this long before expiry, so a request never leaves with a token about to lapse. */
const REFRESH_MARGIN_MS = 60_000;

export class SignInError extends Error {
  override readonly name = 'SignInError';
}

export function storedSignIn(): SignedIn | undefined {
  try {
    const value = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null') as SignedIn | null;
    return value && typeof value.token === 'string' && value.expiresAt > Date.now() ? value : undefined;
  } catch {
    return undefined;
  }
}

export const storeSignIn = (value: SignedIn) => localStorage.setItem(STORAGE_KEY, JSON.stringify(value));
export const forgetSignIn = () => localStorage.removeItem(STORAGE_KEY);

export async function signInLocally(client: CareGuideClient, user: string): Promise<SignedIn> {
  const minted = await client.local.createToken({ user_id: user });
  return { user, token: minted.token, expiresAt: Date.now() + minted.expires_in * 1000 };
}

interface CognitoAuthResult {
  readonly AuthenticationResult?: { IdToken: string; ExpiresIn: number; RefreshToken?: string };
  readonly ChallengeName?: string;
  readonly message?: string;
  readonly __type?: string;
}

async function initiateAuth(
  auth: Extract<AppConfig['auth'], { mode: 'cognito' }>,
  flow: 'USER_PASSWORD_AUTH' | 'REFRESH_TOKEN_AUTH',
  parameters: Record<string, string>,
): Promise<CognitoAuthResult> {
  const response = await fetch(`https://cognito-idp.${auth.region}.amazonaws.com/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'AWSCognitoIdentityProviderService.InitiateAuth',
    },
    body: JSON.stringify({ AuthFlow: flow, ClientId: auth.userPoolClientId, AuthParameters: parameters }),
  });
  const body = (await response.json()) as CognitoAuthResult;
  if (!response.ok) {
    const type = body.__type ?? '';
    throw new SignInError(
      type.includes('NotAuthorized') || type.includes('UserNotFound')
        ? 'The e-mail address or the password is not right.'
        : type.includes('PasswordResetRequired')
          ? 'Your password must be reset before you can sign in.'
          : 'Signing in failed. Please try again in a moment.',
    );
  }
  return body;
}

export async function signInWithCognito(
  auth: Extract<AppConfig['auth'], { mode: 'cognito' }>,
  email: string,
  password: string,
): Promise<SignedIn> {
  const result = await initiateAuth(auth, 'USER_PASSWORD_AUTH', { USERNAME: email, PASSWORD: password });
  if (!result.AuthenticationResult) {
    // NEW_PASSWORD_REQUIRED, MFA: steps this small app leaves to the operator's own sign-in page.
    throw new SignInError(
      `Your account needs one more step to sign in (${result.ChallengeName ?? 'a challenge'}), which this app does not offer yet.`,
    );
  }
  const { IdToken, ExpiresIn, RefreshToken } = result.AuthenticationResult;
  return {
    user: email,
    token: IdToken,
    expiresAt: Date.now() + ExpiresIn * 1000,
    ...(RefreshToken ? { refreshToken: RefreshToken } : {}),
  };
}

/** The client's token callback: the stored token, refreshed first when it is about to expire. */
export function tokenProvider(config: AppConfig, onSignedOut: () => void) {
  let refreshing: Promise<SignedIn | undefined> | undefined;
  return async (): Promise<string | undefined> => {
    const current = storedSignIn();
    if (!current) {
      onSignedOut();
      return undefined;
    }
    if (current.expiresAt - Date.now() > REFRESH_MARGIN_MS || config.auth.mode !== 'cognito')
      return current.token;
    if (!current.refreshToken) return current.token;
    const auth = config.auth;
    const refreshToken = current.refreshToken;
    refreshing ??= initiateAuth(auth, 'REFRESH_TOKEN_AUTH', { REFRESH_TOKEN: refreshToken })
      .then((result) => {
        const fresh = result.AuthenticationResult;
        if (!fresh) return undefined;
        const next: SignedIn = {
          ...current,
          token: fresh.IdToken,
          expiresAt: Date.now() + fresh.ExpiresIn * 1000,
        };
        storeSignIn(next);
        return next;
      })
      .catch(() => undefined)
      .finally(() => {
        refreshing = undefined;
      });
    return (await refreshing)?.token ?? current.token;
  };
}
