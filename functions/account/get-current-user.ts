import { httpHandler } from '../../shared/http/http-handler';
import { ok } from '../../shared/http/responses';
import { accountRoutes } from '../../shared/routes/account-routes';

export const handler = httpHandler(accountRoutes.getCurrentUser, async ({ userId }) =>
  ok({ user_id: userId }),
);
