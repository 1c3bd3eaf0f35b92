import { getDocumentClient, tableNames } from '../data/dynamo-client';
import { createRoomRepository } from '../data/room-repository';
import { createSessionRepository } from '../data/session-repository';
import { systemClock } from '../domain/clock';
import type { SessionDeps } from '../domain/sessions/ports';
import { sessionPolicy } from '../domain/sessions/session-policy';
import { createStreamCanceller, newId } from './rooms';

export { createLapsedStreamFinisher } from './rooms';

/** Wiring of the sessions area, built once per cold start. */
export function createSessionDeps(): SessionDeps {
  const client = getDocumentClient();
  const chat = tableNames.chat;
  return {
    sessions: createSessionRepository(client, chat),
    rooms: createRoomRepository(client, chat),
    streams: createStreamCanceller(),
    clock: systemClock,
    policy: sessionPolicy,
    newId,
  };
}
