import * as z from 'zod';
import { messageSchema } from '../schemas/messages';
import { roomSchema } from '../schemas/rooms';
import { sessionSchema } from '../schemas/sessions';

/**
 * The JSON text frames the server sends over the WebSocket (DESIGN "Real-time events";
 * docs/websocket.md). Every event frame is `{type, at, ...ids, data}`: `at` is when the change
 * was made (the table stream's record time), the ids say what changed without parsing `data`.
 * The schemas are the documentation's source and the tests' check; frames are built by
 * chat-change-frames.ts and stream-change-frames.ts.
 */
export const streamEndStatuses = ['completed', 'cancelled', 'interrupted', 'error'] as const;

const at = z.iso.datetime().meta({ description: 'When the change was made (ISO-8601 UTC).' });

const roomFrame = <T extends string>(type: T) =>
  z.object({ type: z.literal(type), at, room_id: z.string(), data: roomSchema });

export const eventFrameSchema = z.discriminatedUnion('type', [
  roomFrame('room.created'),
  roomFrame('room.updated'),
  roomFrame('room.deleted'),
  roomFrame('room.restored'),
  z.object({
    type: z.literal('session.created'),
    at,
    session_id: z.string(),
    room_id: z.string(),
    data: sessionSchema,
  }),
  z.object({
    type: z.literal('session.deleted'),
    at,
    session_id: z.string(),
    room_id: z.string(),
    data: z.object({ session_id: z.string(), room_id: z.string(), deleted: z.literal(true) }),
  }),
  z.object({
    type: z.literal('history.cleared'),
    at,
    room_id: z.string(),
    data: z.object({
      room_id: z.string(),
      agent_type: z.string().nullable().meta({ description: 'null: every agent' }),
      cleared_up_to: z.iso.datetime(),
    }),
  }),
  z.object({
    type: z.literal('message.created'),
    at,
    room_id: z.string(),
    session_id: z.string(),
    message_id: z.string(),
    data: messageSchema,
  }),
  z.object({
    type: z.literal('stream.started'),
    at,
    stream_id: z.string(),
    session_id: z.string(),
    room_id: z.string(),
    request_id: z.string(),
    data: z.object({
      stream_id: z.string(),
      session_id: z.string(),
      room_id: z.string(),
      request_id: z.string(),
    }),
  }),
  z.object({
    type: z.literal('stream.ended'),
    at,
    stream_id: z.string(),
    session_id: z.string(),
    room_id: z.string().optional(),
    data: z.object({ stream_id: z.string(), status: z.enum(streamEndStatuses) }),
  }),
]);
export type EventFrame = z.output<typeof eventFrameSchema>;
export type EventType = EventFrame['type'];

export const eventTypes = eventFrameSchema.options.map((option) => option.shape.type.value) as EventType[];

/** The frames one change produces, and whose connections they go to. */
export interface UserFrames {
  readonly userId: string;
  readonly frames: readonly EventFrame[];
}
