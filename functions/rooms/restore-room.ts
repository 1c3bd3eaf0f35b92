import { roomServices } from '../../shared/data/dependencies';
import { restoreRoom } from '../../shared/domain/rooms/restore-room';
import { toRoomView } from '../../shared/domain/rooms/room-view';
import { httpHandler } from '../../shared/http/http-handler';
import { ok } from '../../shared/http/responses';
import { logger } from '../../shared/observability/powertools';
import { routes } from '../../shared/routes/route-table';

const deps = roomServices();

export const handler = httpHandler(routes.restoreRoom, async ({ userId, params }) => {
  logger.appendKeys({ room_id: params.room_id });
  return ok(toRoomView(await restoreRoom(deps, userId, params.room_id)));
});
