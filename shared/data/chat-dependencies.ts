import { getConfig } from '../config/config';
import type { ChatStreamDeps } from '../domain/chat/chat-stream';
import { systemClock } from '../domain/clock';
import { sessionPolicy } from '../domain/sessions/session-policy';
import { createModelProvider } from '../model/model-provider-factory';
import { createChatContextReader } from './chat-context-reader';
import { createConversationWriter } from './conversation-writer';
import { getDocumentClient, tableNames } from './dynamo-client';
import { configuredActiveStreams } from './stream-dependencies';

/** At most this many earlier turns of the agent are shown to the model. */
export const MODEL_CONTEXT_TURNS = 20;

/** The composition root of the chat stream: real adapters and the configured model, built once per cold start. */
export function chatStreamDependencies(): Omit<ChatStreamDeps, 'observer'> {
  const config = getConfig();
  const client = getDocumentClient();
  const chat = tableNames.chat;
  return {
    activeStreams: configuredActiveStreams(),
    conversation: {
      ...createChatContextReader({ client, tableName: chat }),
      ...createConversationWriter({ client, tableName: chat }),
    },
    model: createModelProvider(config),
    clock: systemClock,
    settings: {
      pollIntervalMs: config.CANCEL_POLL_INTERVAL_MS,
      maxDurationMs: config.STREAM_MAX_DURATION_SECONDS * 1000,
      leaseMs: config.STREAM_LEASE_SECONDS * 1000,
      contextTurns: MODEL_CONTEXT_TURNS,
    },
    sessionPolicy,
  };
}
