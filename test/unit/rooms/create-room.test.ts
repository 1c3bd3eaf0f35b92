import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../shared/domain/clock';
import { canonicalJson, createRequestHash, createRoom } from '../../../shared/domain/rooms/create-room';
import type {
  CreateRoomCommand,
  CreateRoomOutcome,
  RoomDeps,
  RoomRepository,
} from '../../../shared/domain/rooms/ports';
import { creationWindow } from '../../../shared/domain/rooms/room-policy';

/** A room store that answers every create with `outcome` and remembers the commands. */
function depsAnswering(outcome: CreateRoomOutcome, clock = new ManualClock('2026-03-01T10:20:30.000Z')) {
  const commands: CreateRoomCommand[] = [];
  const rooms = {
    async create(command: CreateRoomCommand) {
      commands.push(command);
      return outcome;
    },
  } as Partial<RoomRepository> as RoomRepository;
  const deps: RoomDeps = {
    rooms,
    messages: {} as RoomDeps['messages'],
    streams: { cancelStreams: async () => [] },
    clock,
    policy: { maxLiveRooms: 50, createsPerHour: 10 },
    newId: () => 'fixed',
  };
  return { deps, commands };
}

const body = { room_name: 'Room', metadata: { b: 1, a: [1, { d: 2, c: 3 }] } };

describe('createRoom', () => {
  it('asks the store for one atomic create with the limits, the hourly window and the idempotency record', async () => {
    const { deps, commands } = depsAnswering({ kind: 'created' });

    const result = await createRoom(deps, { userId: 'alice', body, idempotencyKey: 'key-1' });

    expect(result).toMatchObject({
      replayed: false,
      room: { room_id: 'room_fixed', user_id: 'alice', message_count: 0 },
    });
    expect(commands[0]).toMatchObject({
      maxLiveRooms: 50,
      rateWindow: {
        start: '2026-03-01T10:00:00.000Z',
        limit: 10,
        endsAt: new Date('2026-03-01T11:00:00.000Z'),
      },
      idempotency: {
        key: 'key-1',
        requestHash: createRequestHash(body),
        expiresAt: new Date('2026-03-02T10:20:30.000Z'),
      },
    });
  });

  it.each([
    [{ kind: 'room-limit' } as const, 'ROOM_LIMIT_REACHED', undefined],
    [{ kind: 'rate-limited' } as const, 'RATE_LIMITED', 39 * 60 + 30],
    [{ kind: 'contention' } as const, 'CONFLICT', 1],
  ])('turns %o into %s (Retry-After %s)', async (outcome, code, retryAfterSeconds) => {
    const { deps } = depsAnswering(outcome);

    const attempt = createRoom(deps, { userId: 'alice', body });

    await expect(attempt).rejects.toMatchObject({ code, retryAfterSeconds });
  });

  it('replays the stored room for the same request under a used key, and refuses another request', async () => {
    const stored = { request_hash: createRequestHash(body), room: { room_id: 'room_first' } };
    const { deps } = depsAnswering({ kind: 'idempotency-key-used', record: stored as never });

    const same = await createRoom(deps, { userId: 'alice', body, idempotencyKey: 'k' });
    const other = createRoom(deps, { userId: 'alice', body: { room_name: 'Other' }, idempotencyKey: 'k' });

    expect(same).toEqual({ room: stored.room, replayed: true });
    await expect(other).rejects.toMatchObject({ code: 'IDEMPOTENCY_CONFLICT' });
  });
});

describe('the request hash of an idempotent create', () => {
  it('ignores key order and treats absent metadata as {}', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[2,{"e":0,"f":1}]},"b":1}',
    );
    expect(createRequestHash({ room_name: 'x' })).toBe(createRequestHash({ room_name: 'x', metadata: {} }));
    expect(createRequestHash({ room_name: 'x' })).not.toBe(createRequestHash({ room_name: 'y' }));
  });
});

describe('the creation window', () => {
  it('is the clock hour, and ends on the next one', () => {
    expect(creationWindow(new Date('2026-03-01T10:59:59.999Z'))).toEqual({
      start: '2026-03-01T10:00:00.000Z',
      endsAt: new Date('2026-03-01T11:00:00.000Z'),
    });
  });
});
