import { resetSession } from '../../shared/domain/sessions/reset-session';
import { httpHandler } from '../../shared/http/http-handler';
import { ok } from '../../shared/http/responses';
import { logger } from '../../shared/observability/powertools';
import { sessionRoutes } from '../../shared/routes/session-routes';
import { createSessionDeps } from '../../shared/wiring/sessions';

const deps = createSessionDeps();

export const handler = httpHandler(sessionRoutes.resetSession, async ({ userId, params, body }) => {
  logger.appendKeys({ session_id: params.session_id });
  return ok(await resetSession(deps, userId, params.session_id, body.agent_type));
});
