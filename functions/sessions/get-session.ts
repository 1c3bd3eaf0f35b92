import { getSession } from '../../shared/domain/sessions/get-session';
import { toSessionView } from '../../shared/domain/sessions/session-view';
import { httpHandler } from '../../shared/http/http-handler';
import { ok } from '../../shared/http/responses';
import { logger } from '../../shared/observability/powertools';
import { sessionRoutes } from '../../shared/routes/session-routes';
import { createLapsedStreamFinisher, createSessionDeps } from '../../shared/wiring/sessions';

const deps = { ...createSessionDeps(), lapsedStreams: createLapsedStreamFinisher() };

export const handler = httpHandler(sessionRoutes.getSession, async ({ userId, params }) => {
  logger.appendKeys({ session_id: params.session_id });
  return ok(toSessionView(await getSession(deps, userId, params.session_id), deps.policy));
});
