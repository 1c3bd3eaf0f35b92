import { randomUUID } from 'node:crypto';
import { getConfig } from '../config/config';
import type { StopStreamDeps } from '../domain/chat/stop-stream';
import { systemClock } from '../domain/clock';
import type { StreamCanceller } from '../domain/ports/stream-canceller';
import type { RoomDeps } from '../domain/rooms/deps';
import type { SessionDeps } from '../domain/sessions/ports';
import { sessionPolicy } from '../domain/sessions/session-policy';
import { getDocumentClient, tableNames } from './dynamo-client';
import { createHistoryClearJobRepository } from './history-clear-job-repository';
import { createMessageRepository } from './message-repository';
import { createRoomRepository } from './room-repository';
import { createSessionRepository } from './session-repository';
import { configuredActiveStreams } from './stream-dependencies';

/**
 * The composition root of the room and session handlers: real adapters, the system clock and
 * the configured limits, built once per cold start. Tests build the same objects with a
 * ManualClock (or fakes) instead. Handlers that stop no stream take the `*Services` variants, so
 * their bundles leave the ActiveStreams adapter out.
 */
const newId = (): string => randomUUID().replaceAll('-', '');

/**
 * The ActiveStreams adapter, built on first use: only the functions that cancel streams (room
 * delete, session delete, clear history) are bound to the streams table.
 */
function streamCanceller(): StreamCanceller {
  let canceller: StreamCanceller | undefined;
  return {
    cancelStreams(userId, scope) {
      canceller ??= configuredActiveStreams();
      return canceller.cancelStreams(userId, scope);
    },
  };
}

/** Everything the room use cases need but the stream canceller (create, list, get, update, restore, history). */
export function roomServices(): Omit<RoomDeps, 'streams'> {
  const config = getConfig();
  const client = getDocumentClient();
  const chat = tableNames.chat;
  return {
    rooms: createRoomRepository(client, chat),
    messages: createMessageRepository(client, chat),
    clock: systemClock,
    policy: {
      maxLiveRooms: config.MAX_LIVE_ROOMS_PER_USER,
      createsPerHour: config.ROOM_CREATE_LIMIT_PER_HOUR,
    },
    newId,
  };
}

/** With the stream canceller: for deleting a room. */
export const roomDependencies = (): RoomDeps => ({ ...roomServices(), streams: streamCanceller() });

/** Everything the session use cases need but the stream canceller (create, get, reset). */
export function sessionServices(): Omit<SessionDeps, 'streams'> {
  const client = getDocumentClient();
  const chat = tableNames.chat;
  return {
    sessions: createSessionRepository(client, chat),
    rooms: createRoomRepository(client, chat),
    clock: systemClock,
    policy: sessionPolicy,
    newId,
  };
}

/** With the stream canceller: for clearing history and deleting a session. */
export const sessionDependencies = (): SessionDeps => ({ ...sessionServices(), streams: streamCanceller() });

/** The background jobs (purge, history deletion). */
export function maintenanceDependencies() {
  const client = getDocumentClient();
  const chat = tableNames.chat;
  return {
    rooms: createRoomRepository(client, chat),
    messages: createMessageRepository(client, chat),
    jobs: createHistoryClearJobRepository(client, chat),
    clock: systemClock,
  };
}

/** The composition root of POST /api/session/{session_id}/stop. */
export function stopStreamDependencies(): StopStreamDeps {
  const { sessions, rooms, clock, policy } = sessionServices();
  return { sessions, rooms, clock, policy, activeStreams: configuredActiveStreams() };
}
