import { createTokenVerifier } from '../../shared/auth/token-verifier';
import { getConfig } from '../../shared/config/config';
import { instrumentDynamoDbClient } from '../../shared/data/dynamo-client';
import { withEventIds } from '../../shared/domain/chat/follow-stream';
import { openChatStream } from '../../shared/domain/chat/open-chat-stream';
import type { ChatStreamDeps } from '../../shared/domain/chat/ports';
import { streamHandler } from '../../shared/http/stream-handler';
import { streamTelemetry } from '../../shared/observability/stream-telemetry';
import { tracer } from '../../shared/observability/tracer';
import { chatRoutes } from '../../shared/routes/chat-routes';
import { createChatStreamDeps } from '../../shared/wiring/chat';

/** POST /api/chat/message (function URL, RESPONSE_STREAM): pre-checks, then the answer as SSE. */
export const createStreamMessageHandler = (deps: Omit<ChatStreamDeps, 'observer'>) =>
  streamHandler(
    chatRoutes.sendChatMessage,
    { verifier: createTokenVerifier(getConfig()), clock: deps.clock },
    async ({ body, userId, receivedAt, context, log }) => {
      const stream = await openChatStream(
        { ...deps, observer: streamTelemetry(log) },
        {
          userId,
          query: body.query,
          sessionId: body.session_id,
          roomId: body.room_id,
          agentType: body.agent_type,
          requestId: body.request_id,
          receivedAt,
          remainingTimeMs: context.getRemainingTimeInMillis(),
        },
      );
      return withEventIds(stream.events());
    },
  );

// The stream traces in-process: one X-Ray subsegment per DynamoDB call of its long run.
instrumentDynamoDbClient((client) => tracer.captureAWSv3Client(client));
export const handler = createStreamMessageHandler(createChatStreamDeps());
