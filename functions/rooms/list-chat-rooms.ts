import { roomServices } from '../../shared/data/dependencies';
import { listRooms } from '../../shared/domain/rooms/list-rooms';
import { httpHandler } from '../../shared/http/http-handler';
import { ok } from '../../shared/http/responses';
import { roomsAliasDeprecation } from '../../shared/routes/room-routes';
import { routes } from '../../shared/routes/route-table';

const { rooms } = roomServices();

/** The old path of the room list (deprecated): the same answer, with headers pointing to its successor. */
const deprecationHeaders = {
  deprecation: `@${Math.floor(roomsAliasDeprecation.deprecatedAt.getTime() / 1000)}`,
  link: `<${roomsAliasDeprecation.successor}>; rel="successor-version"`,
};

export const handler = httpHandler(routes.listChatRooms, async ({ userId, query }) =>
  ok(await listRooms(rooms, userId, query), deprecationHeaders),
);
