import { roomServices } from '../../shared/data/dependencies';
import { toRoomView } from '../../shared/domain/rooms/room-view';
import { updateRoom } from '../../shared/domain/rooms/update-room';
import { httpHandler } from '../../shared/http/http-handler';
import { ok } from '../../shared/http/responses';
import { logger } from '../../shared/observability/powertools';
import { routes } from '../../shared/routes/route-table';

const { rooms } = roomServices();

export const handler = httpHandler(routes.updateRoom, async ({ userId, params, body }) => {
  logger.appendKeys({ room_id: params.room_id });
  return ok(toRoomView(await updateRoom(rooms, userId, params.room_id, body)));
});
