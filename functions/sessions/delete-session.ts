import { sessionDependencies } from '../../shared/data/dependencies';
import { deleteSession } from '../../shared/domain/sessions/delete-session';
import { httpHandler } from '../../shared/http/http-handler';
import { ok } from '../../shared/http/responses';
import { logger } from '../../shared/observability/powertools';
import { routes } from '../../shared/routes/route-table';

const deps = sessionDependencies();

export const handler = httpHandler(routes.deleteSession, async ({ userId, params }) => {
  logger.appendKeys({ session_id: params.session_id });
  return ok(await deleteSession(deps, userId, params.session_id));
});
