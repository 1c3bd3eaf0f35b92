import { randomUUID } from 'node:crypto';
import { getConfig } from '../config/config';
import { createActiveStreamsRepository } from '../data/active-streams-repository';
import { createConversationWriter } from '../data/conversation-writer';
import { getDocumentClient, tableNames } from '../data/dynamo-client';
import { createHistoryClearJobRepository } from '../data/history-clear-job-repository';
import { createMessageRepository } from '../data/message-repository';
import { createRoomRepository } from '../data/room-repository';
import type { ActiveStreams, RecoveryDeps } from '../domain/chat/ports';
import { finishLapsedStreams } from '../domain/chat/recover-stream';
import { systemClock } from '../domain/clock';
import type { LapsedStreamFinisher, MaintenanceDeps, RoomDeps, StreamCanceller } from '../domain/rooms/ports';
import { logger } from '../observability/powertools';
import { recoveryTelemetry } from '../observability/stream-telemetry';

/**
 * Wiring of the rooms area: real adapters, the system clock and the configured limits, built
 * once per cold start (tests build the same `*Deps` with a ManualClock or fakes). The wiring
 * files point one way: rooms ← sessions ← chat. The ActiveStreams adapter is configured here,
 * because the rooms area is the lowest that cancels streams.
 */
export const newId = (): string => randomUUID().replaceAll('-', '');

/** The ActiveStreams adapter as configured (table, slots, lease). */
export function createActiveStreams(): ActiveStreams {
  const config = getConfig();
  return createActiveStreamsRepository({
    client: getDocumentClient(),
    tableName: tableNames.streams,
    clock: systemClock,
    maxLiveStreams: config.MAX_LIVE_STREAMS_PER_USER,
    leaseSeconds: config.STREAM_LEASE_SECONDS,
  });
}

/**
 * Finishing streams whose process died, from their log: what room history, sessions, the
 * stream routes and the sweep use. The chat table's writer stores the `interrupted` answer.
 */
export function createRecoveryDeps(): RecoveryDeps {
  const client = getDocumentClient();
  return {
    activeStreams: createActiveStreams(),
    conversation: createConversationWriter({ client, tableName: tableNames.chat }),
    clock: systemClock,
    onRecovered: recoveryTelemetry(logger),
  };
}

/** The rooms' and sessions' `LapsedStreamFinisher`, built on first use. */
export function createLapsedStreamFinisher(): LapsedStreamFinisher {
  let deps: RecoveryDeps | undefined;
  return {
    finishLapsed(userId, scope) {
      deps ??= createRecoveryDeps();
      return finishLapsedStreams(deps, userId, scope);
    },
  };
}

/**
 * The stream canceller, bound to the streams table on first use: only the functions that
 * cancel streams (room delete, session delete, clear history) have that table's name.
 */
export function createStreamCanceller(): StreamCanceller {
  let canceller: StreamCanceller | undefined;
  return {
    cancelStreams(userId, scope) {
      canceller ??= createActiveStreams();
      return canceller.cancelStreams(userId, scope);
    },
  };
}

export function createRoomDeps(): RoomDeps {
  const config = getConfig();
  const client = getDocumentClient();
  const chat = tableNames.chat;
  return {
    rooms: createRoomRepository(client, chat),
    messages: createMessageRepository(client, chat),
    streams: createStreamCanceller(),
    clock: systemClock,
    policy: {
      maxLiveRooms: config.MAX_LIVE_ROOMS_PER_USER,
      createsPerHour: config.ROOM_CREATE_LIMIT_PER_HOUR,
    },
    newId,
  };
}

/** The background jobs (purge, history deletion). */
export function createMaintenanceDeps(): MaintenanceDeps {
  const client = getDocumentClient();
  const chat = tableNames.chat;
  return {
    rooms: createRoomRepository(client, chat),
    messages: createMessageRepository(client, chat),
    jobs: createHistoryClearJobRepository(client, chat),
    clock: systemClock,
  };
}
