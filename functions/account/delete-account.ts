import { deleteAccount } from '../../shared/domain/account/delete-account';
import { httpHandler } from '../../shared/http/http-handler';
import { ok } from '../../shared/http/responses';
import { accountRoutes } from '../../shared/routes/account-routes';
import { createAccountDeps } from '../../shared/wiring/account';

const deps = createAccountDeps();

export const handler = httpHandler(accountRoutes.deleteAccount, async ({ userId }) =>
  ok(await deleteAccount(deps, userId)),
);
