import { createSession } from '../../shared/domain/sessions/create-session';
import { toSessionView } from '../../shared/domain/sessions/session-view';
import { httpHandler } from '../../shared/http/http-handler';
import { created } from '../../shared/http/responses';
import { logger } from '../../shared/observability/powertools';
import { sessionRoutes } from '../../shared/routes/session-routes';
import { createSessionDeps } from '../../shared/wiring/sessions';

const deps = createSessionDeps();

export const handler = httpHandler(sessionRoutes.createSession, async ({ userId, body }) => {
  const session = await createSession(deps, userId, body);
  logger.appendKeys({ room_id: session.room_id, session_id: session.session_id });
  return created(toSessionView(session, deps.policy), { location: `/api/session/${session.session_id}` });
});
