import { getSettings } from '../../shared/domain/account/settings';
import { httpHandler } from '../../shared/http/http-handler';
import { ok } from '../../shared/http/responses';
import { accountRoutes } from '../../shared/routes/account-routes';
import { createAccountDeps } from '../../shared/wiring/account';

const deps = createAccountDeps();

export const handler = httpHandler(accountRoutes.getSettings, async ({ userId }) =>
  ok(await getSettings(deps, userId)),
);
