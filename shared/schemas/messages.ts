import * as z from 'zod';
import { roomIdSchema } from './rooms';

export const messageRoles = ['user', 'assistant'] as const;
export const messageStatuses = ['complete', 'cancelled', 'interrupted', 'error'] as const;

const isoTimestamp = z.iso.datetime();

/**
 * A stored turn (ConversationItem, DESIGN §4). Chat table, partition `USER#<sub>#ROOM#<room_id>`,
 * sort key `MSG#<created_at>#<message_id>` (shared/data/keys.ts). The chat stream writes them;
 * history reads them. `agent_type` is read as any string, so a message of an agent that was
 * later removed from the configuration still reads back.
 */
export const messageSchema = z
  .object({
    message_id: z.string().min(1),
    room_id: roomIdSchema,
    session_id: z.string().min(1),
    role: z.enum(messageRoles),
    agent_type: z.string().min(1),
    content: z.string(),
    status: z.enum(messageStatuses),
    created_at: isoTimestamp,
  })
  .meta({ id: 'ConversationItem' });
export type Message = z.output<typeof messageSchema>;

/** The stored item: the message plus its keys (dropped when parsed). */
export const messageItemSchema = messageSchema;

export const roomHistorySchema = z
  .object({
    room_id: roomIdSchema,
    messages: z.array(messageSchema),
    next_cursor: z.string().nullable().meta({ description: 'null on the last page.' }),
  })
  .meta({ id: 'RoomHistory' });
