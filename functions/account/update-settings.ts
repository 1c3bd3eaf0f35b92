import { updateSettings } from '../../shared/domain/account/settings';
import { httpHandler } from '../../shared/http/http-handler';
import { ok } from '../../shared/http/responses';
import { accountRoutes } from '../../shared/routes/account-routes';
import { createAccountDeps } from '../../shared/wiring/account';

const deps = createAccountDeps();

export const handler = httpHandler(accountRoutes.updateSettings, async ({ userId, body }) =>
  ok(await updateSettings(deps, userId, body)),
);
