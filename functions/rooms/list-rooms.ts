import { roomServices } from '../../shared/data/dependencies';
import { listRooms } from '../../shared/domain/rooms/list-rooms';
import { httpHandler } from '../../shared/http/http-handler';
import { ok } from '../../shared/http/responses';
import { routes } from '../../shared/routes/route-table';

const { rooms } = roomServices();

export const handler = httpHandler(routes.listRooms, async ({ userId, query }) =>
  ok(await listRooms(rooms, userId, query)),
);
