import { sessionServices } from '../../shared/data/dependencies';
import { resetSession } from '../../shared/domain/sessions/reset-session';
import { httpHandler } from '../../shared/http/http-handler';
import { ok } from '../../shared/http/responses';
import { logger } from '../../shared/observability/powertools';
import { routes } from '../../shared/routes/route-table';

const deps = sessionServices();

export const handler = httpHandler(routes.resetSession, async ({ userId, params, body }) => {
  logger.appendKeys({ session_id: params.session_id });
  return ok(await resetSession(deps, userId, params.session_id, body.agent_type));
});
