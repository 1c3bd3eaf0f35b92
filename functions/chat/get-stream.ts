import { getStreamView } from '../../shared/domain/chat/follow-stream';
import { httpHandler } from '../../shared/http/http-handler';
import { ok } from '../../shared/http/responses';
import { logger } from '../../shared/observability/powertools';
import { chatRoutes } from '../../shared/routes/chat-routes';
import { createFollowDeps } from '../../shared/wiring/chat';

const deps = createFollowDeps();

/** GET /api/chat/streams/{stream_id}: the stream's state (a lapsed one is finished from its log first). */
export const handler = httpHandler(chatRoutes.getStream, async ({ userId, params }) => {
  logger.appendKeys({ stream_id: params.stream_id });
  return ok(await getStreamView(deps, userId, params.stream_id));
});
