import * as z from 'zod';
import { keyPrefixes } from '../data/keys';
import { toRoomView } from '../domain/rooms/room-view';
import { sessionPolicy } from '../domain/sessions/session-policy';
import { toSessionView } from '../domain/sessions/session-view';
import { messageItemSchema } from '../schemas/messages';
import { type RoomRecord, roomItemSchema } from '../schemas/rooms';
import { sessionItemSchema } from '../schemas/sessions';
import type { ChangeRecord } from './change-record';
import type { EventFrame } from './frames';

/**
 * Chat table changes → event frames. Items are parsed by the same zod schemas the repositories
 * use and shown as the API shows them (toRoomView, toSessionView), so a frame's `data` equals
 * what a GET would answer at that moment.
 *
 * | item            | change                      | frame           |
 * |-----------------|-----------------------------|-----------------|
 * | ROOM#           | INSERT                      | room.created    |
 * | ROOM#           | MODIFY live → deleted       | room.deleted    |
 * | ROOM#           | MODIFY deleted → live       | room.restored   |
 * | ROOM#           | MODIFY live, view changed   | room.updated    |
 * | SESSION#        | INSERT                      | session.created |
 * | SESSION#        | REMOVE (not by TTL)         | session.deleted |
 * | MSG#            | INSERT                      | message.created |
 * | HISTORY_CLEAR#  | INSERT                      | history.cleared |
 *
 * A room's purge (REMOVE), a session's TTL clean-up and the messages a clear deletes make no
 * frame: the user was told when the room was deleted, the session expired, the history cleared.
 *
 * `at`: the time the item itself records for the change where it has one (a creation's
 * `created_at`, a delete's `deleted_at`, a clear's `cleared_up_to`: milliseconds), else the
 * stream record's time (seconds on AWS; DynamoDB Local rounds it further).
 */
const historyJobSchema = z.object({
  room_id: z.string(),
  cleared_up_to: z.iso.datetime(),
  agent_type: z.string().optional(),
});

const roomFrame = (
  type: 'room.created' | 'room.updated' | 'room.deleted' | 'room.restored',
  at: string,
  room: RoomRecord,
): EventFrame => ({ type, at, room_id: room.room_id, data: toRoomView(room) });

function roomFrames(change: ChangeRecord, at: string): EventFrame[] {
  const after = change.newImage ? roomItemSchema.parse(change.newImage) : undefined;
  if (change.eventName === 'INSERT' && after) return [roomFrame('room.created', after.created_at, after)];
  if (change.eventName !== 'MODIFY' || !after || !change.oldImage) return [];
  const before = roomItemSchema.parse(change.oldImage);
  if (!before.is_deleted && after.is_deleted)
    return [roomFrame('room.deleted', after.deleted_at ?? at, after)];
  if (before.is_deleted && !after.is_deleted) return [roomFrame('room.restored', at, after)];
  if (after.is_deleted) return [];
  // Writes that change nothing the API shows (watermark bookkeeping, ...) stay silent.
  const changed = JSON.stringify(toRoomView(before)) !== JSON.stringify(toRoomView(after));
  // A new message moves last_activity: that is the change's time.
  const when = after.last_activity !== before.last_activity ? after.last_activity : at;
  return changed ? [roomFrame('room.updated', when, after)] : [];
}

function sessionFrames(change: ChangeRecord, at: string): EventFrame[] {
  if (change.eventName === 'INSERT' && change.newImage) {
    const session = sessionItemSchema.parse(change.newImage);
    return [
      {
        type: 'session.created',
        at: session.created_at,
        session_id: session.session_id,
        room_id: session.room_id,
        data: toSessionView(session, sessionPolicy),
      },
    ];
  }
  if (change.eventName === 'REMOVE' && change.oldImage && !change.byTimeToLive) {
    const session = sessionItemSchema.parse(change.oldImage);
    return [
      {
        type: 'session.deleted',
        at,
        session_id: session.session_id,
        room_id: session.room_id,
        data: { session_id: session.session_id, room_id: session.room_id, deleted: true },
      },
    ];
  }
  return [];
}

function messageFrames(change: ChangeRecord): EventFrame[] {
  if (change.eventName !== 'INSERT' || !change.newImage) return [];
  const message = messageItemSchema.parse(change.newImage);
  return [
    {
      type: 'message.created',
      at: message.created_at,
      room_id: message.room_id,
      session_id: message.session_id,
      message_id: message.message_id,
      data: message,
    },
  ];
}

function historyClearedFrames(change: ChangeRecord): EventFrame[] {
  if (change.eventName !== 'INSERT' || !change.newImage) return [];
  const job = historyJobSchema.parse(change.newImage);
  return [
    {
      type: 'history.cleared',
      at: job.cleared_up_to,
      room_id: job.room_id,
      data: { room_id: job.room_id, agent_type: job.agent_type ?? null, cleared_up_to: job.cleared_up_to },
    },
  ];
}

/** The frames of one chat table change; [] for items users are not told about. Throws on an item its schema rejects. */
export function chatChangeFrames(change: ChangeRecord): EventFrame[] {
  const at = change.at.toISOString();
  if (change.sk.startsWith(keyPrefixes.room)) return roomFrames(change, at);
  if (change.sk.startsWith(keyPrefixes.session)) return sessionFrames(change, at);
  if (change.sk.startsWith(keyPrefixes.message)) return messageFrames(change);
  if (change.sk.startsWith(keyPrefixes.historyClearJob)) return historyClearedFrames(change);
  return [];
}
