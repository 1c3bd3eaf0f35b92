import { getConfig } from '../config/config';
import type { StopStreamDeps } from '../domain/chat/stop-stream';
import { systemClock } from '../domain/clock';
import type { ActiveStreams } from '../domain/ports/active-streams';
import { sessionPolicy } from '../domain/sessions/session-policy';
import { createActiveStreamsRepository } from './active-streams-repository';
import { getDocumentClient, tableNames } from './dynamo-client';
import { createRoomRepository } from './room-repository';
import { createSessionRepository } from './session-repository';

/**
 * The ActiveStreams adapter as configured (table, slots, lease), for the functions that use the
 * streams table. Kept apart from the chat stream's wiring so that the stop function's bundle
 * holds no model client.
 */
export function configuredActiveStreams(): ActiveStreams {
  const config = getConfig();
  return createActiveStreamsRepository({
    client: getDocumentClient(),
    tableName: tableNames.streams,
    clock: systemClock,
    maxLiveStreams: config.MAX_LIVE_STREAMS_PER_USER,
    leaseSeconds: config.STREAM_LEASE_SECONDS,
  });
}

/** The composition root of POST /api/session/{session_id}/stop. */
export function stopStreamDependencies(): StopStreamDeps {
  const client = getDocumentClient();
  const chat = tableNames.chat;
  return {
    sessions: createSessionRepository(client, chat),
    rooms: createRoomRepository(client, chat),
    clock: systemClock,
    policy: sessionPolicy,
    activeStreams: configuredActiveStreams(),
  };
}
