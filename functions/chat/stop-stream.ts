import { stopStream } from '../../shared/domain/chat/stop-stream';
import { httpHandler } from '../../shared/http/http-handler';
import { ok } from '../../shared/http/responses';
import { chatRoutes } from '../../shared/routes/chat-routes';
import { createStopStreamDeps } from '../../shared/wiring/chat';

const deps = createStopStreamDeps();

/** POST /api/session/{session_id}/stop: flags the stream in DynamoDB; its loop, wherever it runs, ends it. */
export const handler = httpHandler(chatRoutes.stopStream, async ({ userId, params, body }) =>
  ok(
    await stopStream(deps, userId, params.session_id, {
      streamId: body.stream_id,
      requestId: body.request_id,
    }),
  ),
);
