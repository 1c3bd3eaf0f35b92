import { createTokenVerifier } from '../../shared/auth/token-verifier';
import { getConfig } from '../../shared/config/config';
import { exportAccount } from '../../shared/domain/account/account-export';
import type { AccountDeps } from '../../shared/domain/account/ports';
import { streamHandler } from '../../shared/http/stream-handler';
import { accountRoutes } from '../../shared/routes/account-routes';
import { createAccountDeps } from '../../shared/wiring/account';

/**
 * GET /api/me/export (function URL, RESPONSE_STREAM): all the user's data as one JSON
 * document, read and sent a page at a time, so neither Lambda's 6 MB response limit nor the
 * function's memory bounds the size of an account.
 */
export const createExportAccountHandler = (deps: AccountDeps) =>
  streamHandler(
    accountRoutes.exportAccount,
    {
      verifier: createTokenVerifier(getConfig()),
      clock: deps.clock,
      body: {
        kind: 'download',
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'content-disposition': 'attachment; filename="careguide-export.json"',
        },
      },
    },
    async ({ userId }) => exportAccount(deps, userId),
  );

export const handler = createExportAccountHandler(createAccountDeps());
