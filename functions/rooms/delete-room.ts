import { deleteRoom } from '../../shared/domain/rooms/delete-room';
import { httpHandler } from '../../shared/http/http-handler';
import { ok } from '../../shared/http/responses';
import { logger } from '../../shared/observability/powertools';
import { roomRoutes } from '../../shared/routes/room-routes';
import { createRoomDeps } from '../../shared/wiring/rooms';

const deps = createRoomDeps();

export const handler = httpHandler(roomRoutes.deleteRoom, async ({ userId, params }) => {
  logger.appendKeys({ room_id: params.room_id });
  return ok(await deleteRoom(deps, userId, params.room_id));
});
