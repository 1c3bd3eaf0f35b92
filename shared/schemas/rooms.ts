import * as z from 'zod';
import { agentTypes } from './agents';

/** DESIGN §6. Counted in characters (code points), as JSON Schema's `maxLength` is. */
export const ROOM_NAME_MAX_CHARACTERS = 100;
/** DESIGN §6: metadata is a JSON object of at most 10 KB (UTF-8 bytes of its JSON text). */
export const METADATA_MAX_BYTES = 10 * 1024;
/** DESIGN §6: deeper JSON is almost always a mistake, and costs more to handle than it is worth. */
export const METADATA_MAX_DEPTH = 32;

/** Ids are made by the server; a `#` would break the key layout, so ids never hold one. */
export const roomIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, _ or -')
  .meta({ description: 'Room id (made by the server).', example: 'room_3f1c9d2a8b7e4c6f9a0b1c2d3e4f5a6b' });

const isoTimestamp = z.iso
  .datetime()
  .meta({ description: 'ISO-8601 UTC time', example: '2026-01-01T12:00:00.000Z' });

const CONTROL_CHARACTER = /\p{Cc}/u;
/**
 * Characters that draw nothing: format characters (Cf, e.g. U+200B, U+2060, U+FEFF), white
 * space and the other default-ignorables (Hangul fillers, variation selectors). A name made only
 * of them looks empty in every list; inside a name they are harmless (joiners build emoji).
 */
const INVISIBLE = /[\p{Cf}\p{White_Space}\p{Default_Ignorable_Code_Point}]/gu;
/** Bidi embeddings, overrides and isolates reorder the text around them (U+202A-E, U+2066-9). */
const BIDI_CONTROL = /[\u202A-\u202E\u2066-\u2069]/u;

export const roomNameSchema = z
  .string()
  .trim()
  .normalize('NFC')
  .min(1, 'must not be empty after trimming')
  .refine((name) => [...name].length <= ROOM_NAME_MAX_CHARACTERS, {
    message: `must be at most ${ROOM_NAME_MAX_CHARACTERS} characters after trimming`,
  })
  .refine((name) => !CONTROL_CHARACTER.test(name), { message: 'must not contain control characters' })
  .refine((name) => name.replace(INVISIBLE, '').length > 0, {
    message: 'must contain a visible character',
  })
  .refine((name) => !BIDI_CONTROL.test(name), {
    message:
      'must not contain bidirectional embedding, override or isolate characters (U+202A-U+202E, U+2066-U+2069)',
  })
  .meta({
    description: `1-${ROOM_NAME_MAX_CHARACTERS} characters after trimming, at least one visible; no control characters, no bidi overrides or isolates.`,
    maxLength: ROOM_NAME_MAX_CHARACTERS,
    example: 'Blood pressure questions',
  });

/** Whether `value` nests deeper than `limit`, walked without recursion (depth is client-chosen). */
function nestsDeeperThan(value: unknown, limit: number): boolean {
  const pending: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  for (let next = pending.pop(); next; next = pending.pop()) {
    if (next.value === null || typeof next.value !== 'object') continue;
    const depth = next.depth + 1;
    if (depth > limit) return true;
    for (const child of Object.values(next.value)) pending.push({ value: child, depth });
  }
  return false;
}

export const metadataSchema = z
  .record(z.string(), z.unknown())
  .superRefine((metadata, ctx) => {
    // Depth first: it is checked without recursion, and bounds what JSON.stringify walks next.
    if (nestsDeeperThan(metadata, METADATA_MAX_DEPTH)) {
      ctx.addIssue({ code: 'custom', message: `must nest at most ${METADATA_MAX_DEPTH} levels deep` });
      return;
    }
    const bytes = Buffer.byteLength(JSON.stringify(metadata), 'utf8');
    if (bytes > METADATA_MAX_BYTES) {
      ctx.addIssue({
        code: 'custom',
        message: `must be at most ${METADATA_MAX_BYTES} bytes as JSON (got ${bytes})`,
      });
    }
  })
  .meta({
    description: `A JSON object of at most ${METADATA_MAX_BYTES} bytes (its JSON text, UTF-8), nested at most ${METADATA_MAX_DEPTH} levels, stored and returned exactly as given; JSON whose value would change in storage (numbers a 64-bit double cannot hold exactly, duplicate or __proto__ keys, lone surrogates) is refused with 400.`,
    example: { tags: ['cardiology'], color: 'blue' },
  });

export const roomSortFields = ['last_activity', 'created_at', 'room_name'] as const;
export type RoomSortField = (typeof roomSortFields)[number];
export const sortOrders = ['asc', 'desc'] as const;
export type SortOrder = (typeof sortOrders)[number];

// ---------------------------------------------------------------------------------------------
// Requests

export const roomParamsSchema = z.object({ room_id: roomIdSchema });

export const createRoomBodySchema = z
  .strictObject({ room_name: roomNameSchema, metadata: metadataSchema.optional() })
  .meta({ id: 'CreateRoomRequest' });
export type CreateRoomBody = z.output<typeof createRoomBodySchema>;

export const idempotencyKeySchema = z
  .string()
  .regex(/^[\x21-\x7E]{1,255}$/, 'must be 1-255 visible ASCII characters')
  .meta({
    description:
      'Makes a retried create safe: a request with a key that was used in the last 24 h returns the room that key created (201, header `Idempotent-Replayed: true`) instead of creating another; the same key with a different body is 409 IDEMPOTENCY_CONFLICT.',
    example: '6f1d2c9e-7b1a-4c55-9a39-3b1f0c1e2d4a',
  });

export const createRoomHeadersSchema = z.object({ 'idempotency-key': idempotencyKeySchema.optional() });

export const updateRoomBodySchema = z
  .strictObject({ room_name: roomNameSchema.optional(), metadata: metadataSchema.optional() })
  .refine((body) => body.room_name !== undefined || body.metadata !== undefined, {
    message: 'give room_name, metadata or both',
  })
  .meta({
    id: 'UpdateRoomRequest',
    description: 'At least one of room_name and metadata. metadata replaces the stored object as a whole.',
  });
export type UpdateRoomBody = z.output<typeof updateRoomBodySchema>;

const cursorSchema = z
  .string()
  .min(1)
  .max(1024)
  .meta({ description: 'The `next_cursor` of the previous page, as given (opaque).' });

export const listRoomsQuerySchema = z
  .strictObject({
    limit: z.coerce.number().int().min(1).max(100).default(20).meta({ description: 'Page size, 1-100.' }),
    offset: z.coerce.number().int().min(0).max(10_000).default(0).meta({
      description: 'Rooms to skip (costs reads of the skipped rooms). Not combinable with `cursor`.',
    }),
    cursor: cursorSchema.optional(),
    sort_by: z.enum(roomSortFields).default('last_activity'),
    order: z.enum(sortOrders).default('desc'),
  })
  .meta({ id: 'ListRoomsQuery' });
export type ListRoomsQuery = z.output<typeof listRoomsQuerySchema>;

export const roomHistoryQuerySchema = z
  .strictObject({
    limit: z.coerce.number().int().min(1).max(100).default(50).meta({ description: 'Page size, 1-100.' }),
    cursor: cursorSchema.optional(),
    order: z
      .enum(sortOrders)
      .default('desc')
      .meta({ description: '`desc` (default): newest first, so the first page is the latest messages.' }),
    agent_type: z.enum(agentTypes).optional().meta({ description: 'Only messages of this agent.' }),
  })
  .meta({ id: 'RoomHistoryQuery' });
export type RoomHistoryQuery = z.output<typeof roomHistoryQuerySchema>;

// ---------------------------------------------------------------------------------------------
// Responses

export const roomSchema = z
  .object({
    room_id: roomIdSchema,
    user_id: z.string(),
    room_name: z.string(),
    created_at: isoTimestamp,
    last_activity: isoTimestamp,
    message_count: z.number().int().nonnegative(),
    metadata: z.record(z.string(), z.unknown()),
    is_deleted: z.boolean(),
    last_message_preview: z.string().nullable(),
  })
  .meta({ id: 'Room' });
export type Room = z.output<typeof roomSchema>;

export const roomListSchema = z
  .object({
    rooms: z.array(roomSchema),
    total: z.number().int().nonnegative().meta({ description: 'Live rooms of the user (all pages).' }),
    limit: z.number().int(),
    offset: z.number().int(),
    next_cursor: z.string().nullable().meta({ description: 'null on the last page.' }),
  })
  .meta({ id: 'RoomList' });

export const deletedRoomSchema = z
  .object({
    room_id: roomIdSchema,
    deleted: z.literal(true),
    restorable_until: isoTimestamp.meta({
      description:
        'POST /api/rooms/{room_id}/restore brings the room back until this time; then it is purged.',
    }),
  })
  .meta({ id: 'DeletedRoom' });

// ---------------------------------------------------------------------------------------------
// Stored item (chat table, `USER#<sub>` / `ROOM#<room_id>`): parsed, never cast.

const storedMetadata = z.string().transform((text, ctx) => {
  try {
    const value: unknown = JSON.parse(text);
    if (value !== null && typeof value === 'object' && !Array.isArray(value))
      return value as Record<string, unknown>;
  } catch {
    // falls through to the issue below
  }
  ctx.addIssue({ code: 'custom', message: 'metadata is not a JSON object' });
  return z.NEVER;
});

export const roomItemSchema = z.object({
  room_id: roomIdSchema,
  user_id: z.string().min(1),
  room_name: z.string(),
  created_at: isoTimestamp,
  last_activity: isoTimestamp,
  message_count: z.number().int().nonnegative(),
  /** JSON text: an exact round trip of any JSON (DynamoDB maps reject empty keys and some numbers). */
  metadata: storedMetadata,
  is_deleted: z.boolean(),
  last_message_preview: z.string().nullish(),
  /** When the previewed message was written, and by which agent: the preview hides once history is cleared past it. */
  last_message_at: isoTimestamp.nullish(),
  last_message_agent_type: z.string().nullish(),
  deleted_at: isoTimestamp.nullish(),
  purge_after: isoTimestamp.nullish(),
  /** Sessions created at or before this time are over (set by a delete, kept by a restore). */
  sessions_ended_at: isoTimestamp.nullish(),
  /** Readers hide messages created at or before these watermarks (clear history). */
  history_cleared_at: isoTimestamp.nullish(),
  agent_history_cleared_at: z.record(z.string(), isoTimestamp).default({}),
});
export type RoomRecord = z.output<typeof roomItemSchema>;
