import { toRoomView, watermarksOf } from '../rooms/room-view';
import { sessionPolicy } from '../sessions/session-policy';
import { toSessionView } from '../sessions/session-view';
import type { AccountDeps } from './ports';
import { roomMessages } from './room-export';
import { getSettings } from './settings';

/**
 * Everything of the user as one JSON document, produced piece by piece: the settings, every
 * room (live and restorable) with its visible messages, then every session. Each piece is read
 * from DynamoDB a page at a time and handed on before the next is read, so memory stays flat
 * however large the account; the stream endpoint sends the pieces as they come.
 *
 * {"format":"careguide-export/1","user_id":..,"exported_at":..,"settings":{..},
 *  "rooms":[{"room":{..},"messages":[..]},..],"sessions":[..]}
 */
export async function* exportAccount(
  deps: Pick<AccountDeps, 'account' | 'retention' | 'messages' | 'data' | 'clock'>,
  userId: string,
): AsyncGenerator<string> {
  const settings = await getSettings(deps, userId);
  yield `{"format":"careguide-export/1","user_id":${JSON.stringify(userId)},"exported_at":${JSON.stringify(
    deps.clock.now().toISOString(),
  )},"settings":${JSON.stringify(settings)},"rooms":[`;
  let firstRoom = true;
  for await (const rooms of deps.data.rooms(userId)) {
    for (const record of rooms) {
      yield `${firstRoom ? '' : ','}{"room":${JSON.stringify(toRoomView(record))},"messages":[`;
      firstRoom = false;
      let firstMessage = true;
      for await (const messages of roomMessages(
        deps.messages,
        userId,
        record.room_id,
        watermarksOf(record),
      )) {
        const text = messages.map((message) => JSON.stringify(message)).join(',');
        yield `${firstMessage ? '' : ','}${text}`;
        firstMessage = false;
      }
      yield ']}';
    }
  }
  yield '],"sessions":[';
  let firstSession = true;
  for await (const sessions of deps.data.sessions(userId)) {
    const text = sessions.map((session) => JSON.stringify(toSessionView(session, sessionPolicy))).join(',');
    yield `${firstSession ? '' : ','}${text}`;
    firstSession = false;
  }
  yield ']}\n';
}
