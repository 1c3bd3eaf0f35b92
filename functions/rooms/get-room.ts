import { findLiveRoom } from '../../shared/domain/rooms/get-room';
import { toRoomView } from '../../shared/domain/rooms/room-view';
import { httpHandler } from '../../shared/http/http-handler';
import { ok } from '../../shared/http/responses';
import { logger } from '../../shared/observability/powertools';
import { roomRoutes } from '../../shared/routes/room-routes';
import { createRoomDeps } from '../../shared/wiring/rooms';

const { rooms } = createRoomDeps();

export const handler = httpHandler(roomRoutes.getRoom, async ({ userId, params }) => {
  logger.appendKeys({ room_id: params.room_id });
  return ok(toRoomView(await findLiveRoom(rooms, userId, params.room_id)));
});
