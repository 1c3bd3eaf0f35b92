import { describe, expect, it } from 'vitest';
import { toRoomView } from '../../../shared/domain/rooms/room-view';
import type { RoomRecord } from '../../../shared/schemas/rooms';

const room: RoomRecord = {
  room_id: 'room_1',
  user_id: 'alice',
  room_name: 'R',
  created_at: '2026-01-01T00:00:00.000Z',
  last_activity: '2026-01-01T00:05:00.000Z',
  message_count: 4,
  metadata: {},
  is_deleted: false,
  last_message_preview: 'Take it with food',
  last_message_at: '2026-01-01T00:05:00.000Z',
  last_message_agent_type: 'medication',
  agent_history_cleared_at: {},
};

describe('the room as the API shows it', () => {
  it('shows the preview while its message is visible', () => {
    expect(toRoomView(room).last_message_preview).toBe('Take it with food');
    expect(toRoomView({ ...room, history_cleared_at: '2026-01-01T00:04:59.999Z' }).last_message_preview).toBe(
      'Take it with food',
    );
  });

  it('hides the preview once a clear covers its message (all agents, or its agent)', () => {
    expect(
      toRoomView({ ...room, history_cleared_at: '2026-01-01T00:05:00.000Z' }).last_message_preview,
    ).toBeNull();
    expect(
      toRoomView({ ...room, agent_history_cleared_at: { medication: '2026-01-01T00:06:00.000Z' } })
        .last_message_preview,
    ).toBeNull();
    expect(
      toRoomView({ ...room, agent_history_cleared_at: { general: '2026-01-01T00:06:00.000Z' } })
        .last_message_preview,
    ).toBe('Take it with food');
  });

  it('shows only the contract fields', () => {
    expect(Object.keys(toRoomView({ ...room, deleted_at: 'x', purge_after: 'y' })).sort()).toEqual(
      [
        'created_at',
        'is_deleted',
        'last_activity',
        'last_message_preview',
        'message_count',
        'metadata',
        'room_id',
        'room_name',
        'user_id',
      ].sort(),
    );
  });
});
