import { roomServices } from '../../shared/data/dependencies';
import { findLiveRoom } from '../../shared/domain/rooms/get-room';
import { toRoomView } from '../../shared/domain/rooms/room-view';
import { httpHandler } from '../../shared/http/http-handler';
import { ok } from '../../shared/http/responses';
import { logger } from '../../shared/observability/powertools';
import { routes } from '../../shared/routes/route-table';

const { rooms } = roomServices();

export const handler = httpHandler(routes.getRoom, async ({ userId, params }) => {
  logger.appendKeys({ room_id: params.room_id });
  return ok(toRoomView(await findLiveRoom(rooms, userId, params.room_id)));
});
