import { getConfig } from '../config/config';
import { createChatContextReader } from '../data/chat-context-reader';
import { createConversationWriter } from '../data/conversation-writer';
import { getDocumentClient, tableNames } from '../data/dynamo-client';
import type { FollowDeps } from '../domain/chat/follow-stream';
import type { ChatStreamDeps, StopStreamDeps } from '../domain/chat/ports';
import { systemClock } from '../domain/clock';
import { sessionPolicy } from '../domain/sessions/session-policy';
import { createModelProvider } from '../model/model-provider-factory';
import { logger } from '../observability/powertools';
import { recoveryTelemetry } from '../observability/stream-telemetry';
import { createActiveStreams, createRecoveryDeps } from './rooms';
import { createSessionDeps } from './sessions';

/** At most this many earlier turns of the agent are shown to the model. */
export const MODEL_CONTEXT_TURNS = 20;

/**
 * Wiring of the chat area: the chat stream (real adapters and the configured model; the
 * observer is per request) and the stop, built once per cold start.
 */
export function createChatStreamDeps(): Omit<ChatStreamDeps, 'observer'> {
  const config = getConfig();
  const client = getDocumentClient();
  const chat = tableNames.chat;
  return {
    activeStreams: createActiveStreams(),
    onRecovered: recoveryTelemetry(logger),
    conversation: {
      ...createChatContextReader({ client, tableName: chat }),
      ...createConversationWriter({ client, tableName: chat }),
    },
    model: createModelProvider(config),
    clock: systemClock,
    settings: {
      pollIntervalMs: config.CANCEL_POLL_INTERVAL_MS,
      logFlushMs: config.STREAM_LOG_FLUSH_MS,
      maxDurationMs: config.STREAM_MAX_DURATION_SECONDS * 1000,
      leaseMs: config.STREAM_LEASE_SECONDS * 1000,
      contextTurns: MODEL_CONTEXT_TURNS,
    },
    sessionPolicy,
  };
}

/** POST /api/session/{session_id}/stop. */
export function createStopStreamDeps(): StopStreamDeps {
  const { sessions, rooms, clock, policy } = createSessionDeps();
  return {
    sessions,
    rooms,
    clock,
    policy,
    activeStreams: createActiveStreams(),
    settings: { pollIntervalMs: getConfig().CANCEL_POLL_INTERVAL_MS },
  };
}

/** GET /api/chat/streams/{stream_id} and its /events: the stream log, and recovery of a lapsed stream. */
export function createFollowDeps(): FollowDeps {
  return {
    ...createRecoveryDeps(),
    settings: { followIntervalMs: getConfig().STREAM_FOLLOW_INTERVAL_MS },
  };
}
