import { deleteSession } from '../../shared/domain/sessions/delete-session';
import { httpHandler } from '../../shared/http/http-handler';
import { ok } from '../../shared/http/responses';
import { logger } from '../../shared/observability/powertools';
import { sessionRoutes } from '../../shared/routes/session-routes';
import { createSessionDeps } from '../../shared/wiring/sessions';

const deps = createSessionDeps();

export const handler = httpHandler(sessionRoutes.deleteSession, async ({ userId, params }) => {
  logger.appendKeys({ session_id: params.session_id });
  return ok(await deleteSession(deps, userId, params.session_id));
});
