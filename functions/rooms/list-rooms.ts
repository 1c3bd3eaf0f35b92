import { listRooms } from '../../shared/domain/rooms/list-rooms';
import { httpHandler } from '../../shared/http/http-handler';
import { ok } from '../../shared/http/responses';
import { roomRoutes } from '../../shared/routes/room-routes';
import { createRoomDeps } from '../../shared/wiring/rooms';

const { rooms } = createRoomDeps();

export const handler = httpHandler(roomRoutes.listRooms, async ({ userId, query }) =>
  ok(await listRooms(rooms, userId, query)),
);
