import { createRoom } from '../../shared/domain/rooms/create-room';
import { toRoomView } from '../../shared/domain/rooms/room-view';
import { httpHandler } from '../../shared/http/http-handler';
import { created } from '../../shared/http/responses';
import { addAppMetric, logger } from '../../shared/observability/powertools';
import { roomRoutes } from '../../shared/routes/room-routes';
import { createRoomDeps } from '../../shared/wiring/rooms';

const deps = createRoomDeps();

export const handler = httpHandler(roomRoutes.createRoom, async ({ userId, body, headers }) => {
  const { room, replayed } = await createRoom(deps, {
    userId,
    body,
    idempotencyKey: headers['idempotency-key'],
  });
  logger.appendKeys({ room_id: room.room_id });
  if (!replayed) addAppMetric('RoomCreated', 'Count', 1);
  return created(toRoomView(room), {
    location: `/api/rooms/${room.room_id}`,
    ...(replayed ? { 'idempotent-replayed': 'true' } : {}),
  });
});
