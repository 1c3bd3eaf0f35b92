import { getConfig } from '../config/config';
import { systemClock } from '../domain/clock';
import type { ActiveStreams } from '../domain/ports/active-streams';
import { createActiveStreamsRepository } from './active-streams-repository';
import { getDocumentClient, tableNames } from './dynamo-client';

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
