import { createHash } from 'node:crypto';
import type { CreateRoomBody, RoomRecord } from '../../schemas/rooms';
import { DomainError } from '../errors';
import type { RoomDeps } from './ports';
import { creationWindow, IDEMPOTENCY_TTL_MS, secondsUntil } from './room-policy';

export interface CreateRoomResult {
  readonly room: RoomRecord;
  /** True when an `Idempotency-Key` retry got the room its first request created. */
  readonly replayed: boolean;
}

/** JSON with object keys sorted at every level, so equal requests hash equally whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, entry]) => entry !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, entry]) => `${JSON.stringify(key)}:${canonicalJson(entry)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The request as validated (trimmed, normalised; metadata absent = {}), hashed. */
export const createRequestHash = (body: CreateRoomBody): string =>
  createHash('sha256')
    .update(canonicalJson({ room_name: body.room_name, metadata: body.metadata ?? {} }))
    .digest('hex');

/**
 * Creates a room in one transaction that also takes a live-room slot (50), counts the creation in
 * the user's hourly window (10) and, with an Idempotency-Key, records the result. A create that
 * fails for any reason changes nothing, so it consumes no rate budget and no slot.
 */
export async function createRoom(
  deps: Pick<RoomDeps, 'rooms' | 'clock' | 'policy' | 'newId'>,
  input: {
    readonly userId: string;
    readonly body: CreateRoomBody;
    readonly idempotencyKey?: string | undefined;
  },
): Promise<CreateRoomResult> {
  const now = deps.clock.now();
  const at = now.toISOString();
  const room: RoomRecord = {
    room_id: `room_${deps.newId()}`,
    user_id: input.userId,
    room_name: input.body.room_name,
    created_at: at,
    last_activity: at,
    message_count: 0,
    metadata: input.body.metadata ?? {},
    is_deleted: false,
    last_message_preview: null,
    agent_history_cleared_at: {},
  };
  const window = creationWindow(now);
  const requestHash = createRequestHash(input.body);
  const outcome = await deps.rooms.create({
    room,
    maxLiveRooms: deps.policy.maxLiveRooms,
    rateWindow: { start: window.start, limit: deps.policy.createsPerHour, endsAt: window.endsAt },
    ...(input.idempotencyKey
      ? {
          idempotency: {
            key: input.idempotencyKey,
            requestHash,
            expiresAt: new Date(now.getTime() + IDEMPOTENCY_TTL_MS),
          },
        }
      : {}),
    now,
  });

  switch (outcome.kind) {
    case 'created':
      return { room, replayed: false };
    case 'idempotency-key-used':
      if (outcome.record.request_hash !== requestHash) {
        throw new DomainError(
          'IDEMPOTENCY_CONFLICT',
          'This Idempotency-Key was already used with a different request.',
          {
            details: [
              { path: 'headers.idempotency-key', message: 'already used with a different request body' },
            ],
          },
        );
      }
      return { room: outcome.record.room, replayed: true };
    case 'room-limit':
      throw new DomainError(
        'ROOM_LIMIT_REACHED',
        `You have reached the limit of ${deps.policy.maxLiveRooms} rooms. Delete a room to create another.`,
      );
    case 'rate-limited':
      throw new DomainError(
        'RATE_LIMITED',
        `Too many rooms created: at most ${deps.policy.createsPerHour} per hour.`,
        { retryAfterSeconds: secondsUntil(now, window.endsAt) },
      );
    case 'contention':
      throw new DomainError('CONFLICT', 'Too many concurrent changes to your rooms; retry.', {
        retryAfterSeconds: 1,
      });
  }
}
