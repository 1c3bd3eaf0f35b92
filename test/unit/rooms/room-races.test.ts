import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../shared/domain/clock';
import { deleteRoom } from '../../../shared/domain/rooms/delete-room';
import type { RoomRepository } from '../../../shared/domain/rooms/ports';
import { restoreRoom } from '../../../shared/domain/rooms/restore-room';
import type { RoomRecord } from '../../../shared/schemas/rooms';

const now = '2026-01-01T10:05:00.000Z';
const liveRoom = {
  room_id: 'room_1',
  is_deleted: false,
  purge_after: null,
  agent_history_cleared_at: {},
} as Partial<RoomRecord> as RoomRecord;

describe('room use cases that lose a race with a concurrent change', () => {
  it('delete room and restore room: 409 CONFLICT with Retry-After under contention', async () => {
    const clock = new ManualClock(now);
    const rooms = {
      softDelete: async () => 'contention' as const,
      find: async () => ({ ...liveRoom, is_deleted: true, purge_after: '2026-02-01T00:00:00.000Z' }),
      restore: async () => 'contention' as const,
    } as Partial<RoomRepository> as RoomRepository;
    const roomDeps = {
      rooms,
      clock,
      streams: { cancelStreams: async () => [] },
      policy: { maxLiveRooms: 50, createsPerHour: 10 },
    };

    await expect(deleteRoom(roomDeps, 'alice', 'room_1')).rejects.toMatchObject({
      code: 'CONFLICT',
      retryAfterSeconds: 1,
    });
    await expect(restoreRoom(roomDeps, 'alice', 'room_1')).rejects.toMatchObject({ code: 'CONFLICT' });
  });
});

describe('deleting a room', () => {
  it("asks the stream canceller to stop the room's streams", async () => {
    const calls: unknown[] = [];
    const deps = {
      rooms: { softDelete: async () => 'deleted' as const } as Partial<RoomRepository> as RoomRepository,
      clock: new ManualClock(now),
      streams: {
        cancelStreams: async (userId: string, scope: unknown) => {
          calls.push({ userId, scope });
          return [];
        },
      },
    };

    await deleteRoom(deps, 'alice', 'room_1');

    expect(calls).toEqual([{ userId: 'alice', scope: { roomId: 'room_1' } }]);
  });
});
