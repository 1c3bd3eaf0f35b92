import { roomServices } from '../../shared/data/dependencies';
import { roomHistory } from '../../shared/domain/rooms/room-history';
import { httpHandler } from '../../shared/http/http-handler';
import { ok } from '../../shared/http/responses';
import { logger } from '../../shared/observability/powertools';
import { routes } from '../../shared/routes/route-table';

const deps = roomServices();

export const handler = httpHandler(routes.getRoomHistory, async ({ userId, params, query }) => {
  logger.appendKeys({ room_id: params.room_id });
  return ok(await roomHistory(deps, userId, params.room_id, query));
});
