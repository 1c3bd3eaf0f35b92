import { roomHistory } from '../../shared/domain/rooms/room-history';
import { httpHandler } from '../../shared/http/http-handler';
import { ok } from '../../shared/http/responses';
import { logger } from '../../shared/observability/powertools';
import { roomRoutes } from '../../shared/routes/room-routes';
import { createLapsedStreamFinisher, createRoomDeps } from '../../shared/wiring/rooms';

const deps = { ...createRoomDeps(), lapsedStreams: createLapsedStreamFinisher() };

export const handler = httpHandler(roomRoutes.getRoomHistory, async ({ userId, params, query }) => {
  logger.appendKeys({ room_id: params.room_id });
  return ok(await roomHistory(deps, userId, params.room_id, query));
});
