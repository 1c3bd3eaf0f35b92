import { sessionServices } from '../../shared/data/dependencies';
import { getSession } from '../../shared/domain/sessions/get-session';
import { toSessionView } from '../../shared/domain/sessions/session-view';
import { httpHandler } from '../../shared/http/http-handler';
import { ok } from '../../shared/http/responses';
import { logger } from '../../shared/observability/powertools';
import { routes } from '../../shared/routes/route-table';

const deps = sessionServices();

export const handler = httpHandler(routes.getSession, async ({ userId, params }) => {
  logger.appendKeys({ session_id: params.session_id });
  return ok(toSessionView(await getSession(deps, userId, params.session_id), deps.policy));
});
