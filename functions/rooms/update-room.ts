import { toRoomView } from '../../shared/domain/rooms/room-view';
import { updateRoom } from '../../shared/domain/rooms/update-room';
import { httpHandler } from '../../shared/http/http-handler';
import { ok } from '../../shared/http/responses';
import { logger } from '../../shared/observability/powertools';
import { roomRoutes } from '../../shared/routes/room-routes';
import { createRoomDeps } from '../../shared/wiring/rooms';

const { rooms } = createRoomDeps();

export const handler = httpHandler(roomRoutes.updateRoom, async ({ userId, params, body }) => {
  logger.appendKeys({ room_id: params.room_id });
  return ok(toRoomView(await updateRoom(rooms, userId, params.room_id, body)));
});
