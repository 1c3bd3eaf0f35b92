import { httpHandler } from '../../shared/http/http-handler';
import { ok } from '../../shared/http/responses';
import { routes } from '../../shared/routes/route-table';

export const handler = httpHandler(routes.getCurrentUser, async ({ userId }) => ok({ user_id: userId }));
