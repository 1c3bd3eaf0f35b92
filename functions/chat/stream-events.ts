import { createTokenVerifier } from '../../shared/auth/token-verifier';
import { getConfig } from '../../shared/config/config';
import { instrumentDynamoDbClient } from '../../shared/data/dynamo-client';
import {
  type FollowDeps,
  openStreamEvents,
  type StreamEventWithId,
} from '../../shared/domain/chat/follow-stream';
import { streamHandler } from '../../shared/http/stream-handler';
import { resumeTelemetry } from '../../shared/observability/stream-telemetry';
import { tracer } from '../../shared/observability/tracer';
import { chatRoutes } from '../../shared/routes/chat-routes';
import { createFollowDeps } from '../../shared/wiring/chat';

/** Time kept back before the platform's timeout: the reader resumes from its last id. */
const PLATFORM_TIMEOUT_MARGIN_MS = 5_000;

/**
 * GET /api/chat/streams/{stream_id}/events (function URL, RESPONSE_STREAM): the replay of a
 * stream's log after `Last-Event-ID` (or `after_seq`), then its live rest, to the terminal event.
 */
export const createStreamEventsHandler = (deps: FollowDeps) =>
  streamHandler(
    chatRoutes.streamEvents,
    { verifier: createTokenVerifier(getConfig()), clock: deps.clock },
    async ({ params, query, headers, userId, context, log }) => {
      const startedAt = performance.now();
      const afterSeq = headers['last-event-id'] ?? query.after_seq;
      log.appendKeys({ stream_id: params.stream_id });
      const events = await openStreamEvents(deps, userId, params.stream_id, {
        afterSeq,
        shouldContinue: () => context.getRemainingTimeInMillis() > PLATFORM_TIMEOUT_MARGIN_MS,
      });
      const telemetry = resumeTelemetry(log);
      return (async function* measured(): AsyncGenerator<StreamEventWithId> {
        let first = true;
        for await (const event of events) {
          if (first) {
            first = false;
            telemetry.resumed({
              streamId: params.stream_id,
              afterSeq,
              replayLatencyMs: Math.round((performance.now() - startedAt) * 100) / 100,
            });
          }
          yield event;
        }
      })();
    },
  );

instrumentDynamoDbClient((client) => tracer.captureAWSv3Client(client));
export const handler = createStreamEventsHandler(createFollowDeps());
