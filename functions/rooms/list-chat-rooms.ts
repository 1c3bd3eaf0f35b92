import { listRooms } from '../../shared/domain/rooms/list-rooms';
import { httpHandler } from '../../shared/http/http-handler';
import { ok } from '../../shared/http/responses';
import { roomRoutes, roomsAliasDeprecation } from '../../shared/routes/room-routes';
import { createRoomDeps } from '../../shared/wiring/rooms';

const { rooms } = createRoomDeps();

/** The old path of the room list (deprecated): the same answer, with headers pointing to its successor. */
const deprecationHeaders = {
  deprecation: `@${Math.floor(roomsAliasDeprecation.deprecatedAt.getTime() / 1000)}`,
  link: `<${roomsAliasDeprecation.successor}>; rel="successor-version"`,
};

export const handler = httpHandler(roomRoutes.listChatRooms, async ({ userId, query }) =>
  ok(await listRooms(rooms, userId, query), deprecationHeaders),
);
