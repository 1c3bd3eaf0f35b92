import { roomDependencies } from '../../shared/data/dependencies';
import { deleteRoom } from '../../shared/domain/rooms/delete-room';
import { httpHandler } from '../../shared/http/http-handler';
import { ok } from '../../shared/http/responses';
import { logger } from '../../shared/observability/powertools';
import { routes } from '../../shared/routes/route-table';

const deps = roomDependencies();

export const handler = httpHandler(routes.deleteRoom, async ({ userId, params }) => {
  logger.appendKeys({ room_id: params.room_id });
  return ok(await deleteRoom(deps, userId, params.room_id));
});
