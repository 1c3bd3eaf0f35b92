import { getConfig } from '../../shared/config/config';
import { DomainError } from '../../shared/domain/errors';
import { httpHandler } from '../../shared/http/http-handler';
import { ok } from '../../shared/http/responses';
import { routes } from '../../shared/routes/route-table';
import { loadOrCreateSigningKey, mintToken } from '../local-issuer';

const DEFAULT_EXPIRES_IN_SECONDS = 12 * 3600;
const config = getConfig();

/** Local mode only (the route is `localOnly`): mints a token that the local verifier trusts. */
export const handler = httpHandler(routes.createLocalToken, async ({ body }) => {
  if (config.AUTH_MODE !== 'local' || !config.LOCAL_SIGNING_KEY_FILE) {
    throw new DomainError('NOT_FOUND', 'Local sign-in is not enabled.');
  }
  const key = loadOrCreateSigningKey(config.LOCAL_SIGNING_KEY_FILE);
  const expiresIn = body.expires_in ?? DEFAULT_EXPIRES_IN_SECONDS;
  const token = mintToken(key, {
    sub: body.user_id,
    issuer: config.LOCAL_ISSUER,
    audience: config.LOCAL_AUDIENCE,
    expiresInSeconds: expiresIn,
  });
  return ok({ token, token_type: 'Bearer' as const, expires_in: expiresIn });
});
