import { dataEnvelope } from '../schemas/envelope';
import { roomHistorySchema } from '../schemas/messages';
import {
  createRoomBodySchema,
  createRoomHeadersSchema,
  deletedRoomSchema,
  listRoomsQuerySchema,
  roomHistoryQuerySchema,
  roomListSchema,
  roomParamsSchema,
  roomSchema,
  updateRoomBodySchema,
} from '../schemas/rooms';
import { bodyErrorCodes, defineRoute, requestErrorCodes } from './route-definition';

/** RFC 9745 `Deprecation` (the date it was deprecated, as `@<epoch seconds>`) and its successor. */
export const roomsAliasDeprecation = {
  deprecatedAt: new Date('2026-11-24T00:00:00Z'),
  successor: '/api/rooms',
} as const;

const listResponse = { description: 'A page of your live rooms', schema: dataEnvelope(roomListSchema) };

export const roomRoutes = {
  createRoom: defineRoute({
    id: 'createRoom',
    method: 'POST',
    path: '/api/rooms',
    summary:
      'Create a room (at most 50 live rooms and 10 creations per hour per user). Send an Idempotency-Key to make retries safe.',
    tags: ['rooms'],
    handler: { entry: 'functions/rooms/create-room.ts', export: 'handler' },
    auth: 'jwt',
    kind: 'http',
    request: { body: createRoomBodySchema, headers: createRoomHeadersSchema },
    responses: {
      201: {
        description: 'The room (also answered, unchanged, to a retry with the same Idempotency-Key)',
        schema: dataEnvelope(roomSchema),
        headers: {
          Location: 'The room: /api/rooms/{room_id}',
          'Idempotent-Replayed': '`true` when this answers a retry with an Idempotency-Key already used',
        },
      },
    },
    errors: [...bodyErrorCodes, 'ROOM_LIMIT_REACHED', 'RATE_LIMITED', 'IDEMPOTENCY_CONFLICT', 'CONFLICT'],
    access: { chatTable: 'RW', auditTable: 'APPEND' },
    audit: { action: 'room.create', mode: 'transaction' },
  }),
  listRooms: defineRoute({
    id: 'listRooms',
    method: 'GET',
    path: '/api/rooms',
    summary:
      'List your live rooms: sorted by last_activity, created_at or room_name, paged by cursor (next_cursor) or offset; total counts all pages.',
    tags: ['rooms'],
    handler: { entry: 'functions/rooms/list-rooms.ts', export: 'handler' },
    auth: 'jwt',
    kind: 'http',
    request: { query: listRoomsQuerySchema },
    responses: { 200: listResponse },
    errors: requestErrorCodes,
    access: { chatTable: 'RO', auditTable: 'APPEND' },
    audit: { action: 'room.list', mode: 'parallel' },
  }),
  listChatRooms: defineRoute({
    id: 'listChatRooms',
    method: 'GET',
    path: '/api/chat/rooms',
    summary: 'Deprecated alias of GET /api/rooms (same query and body); use GET /api/rooms.',
    tags: ['rooms'],
    handler: { entry: 'functions/rooms/list-chat-rooms.ts', export: 'handler' },
    auth: 'jwt',
    kind: 'http',
    deprecated: true,
    request: { query: listRoomsQuerySchema },
    responses: {
      200: {
        ...listResponse,
        headers: {
          Deprecation: 'RFC 9745: `@<epoch seconds>`, when this alias was deprecated',
          Link: '`</api/rooms>; rel="successor-version"`',
        },
      },
    },
    errors: requestErrorCodes,
    access: { chatTable: 'RO', auditTable: 'APPEND' },
    audit: { action: 'room.list', mode: 'parallel' },
  }),
  getRoom: defineRoute({
    id: 'getRoom',
    method: 'GET',
    path: '/api/rooms/{room_id}',
    summary: 'One of your live rooms (404 for a deleted room or one that is not yours).',
    tags: ['rooms'],
    handler: { entry: 'functions/rooms/get-room.ts', export: 'handler' },
    auth: 'jwt',
    kind: 'http',
    request: { params: roomParamsSchema },
    responses: { 200: { description: 'The room', schema: dataEnvelope(roomSchema) } },
    errors: [...requestErrorCodes, 'ROOM_NOT_FOUND'],
    access: { chatTable: 'RO', auditTable: 'APPEND' },
    audit: { action: 'room.read', mode: 'parallel' },
  }),
  updateRoom: defineRoute({
    id: 'updateRoom',
    method: 'PATCH',
    path: '/api/rooms/{room_id}',
    summary: 'Rename a room and/or replace its metadata (at least one of them).',
    tags: ['rooms'],
    handler: { entry: 'functions/rooms/update-room.ts', export: 'handler' },
    auth: 'jwt',
    kind: 'http',
    request: { params: roomParamsSchema, body: updateRoomBodySchema },
    responses: { 200: { description: 'The updated room', schema: dataEnvelope(roomSchema) } },
    errors: [...bodyErrorCodes, 'ROOM_NOT_FOUND'],
    access: { chatTable: 'RW', auditTable: 'APPEND' },
    audit: { action: 'room.update', mode: 'parallel' },
  }),
  deleteRoom: defineRoute({
    id: 'deleteRoom',
    method: 'DELETE',
    path: '/api/rooms/{room_id}',
    summary:
      'Soft-delete a room: frees its slot, ends its sessions, stops its live streams; restorable for 30 days, then purged.',
    tags: ['rooms'],
    handler: { entry: 'functions/rooms/delete-room.ts', export: 'handler' },
    auth: 'jwt',
    kind: 'http',
    request: { params: roomParamsSchema },
    responses: { 200: { description: 'Deleted', schema: dataEnvelope(deletedRoomSchema) } },
    errors: [...requestErrorCodes, 'ROOM_NOT_FOUND', 'CONFLICT'],
    access: { chatTable: 'RW', streamsTable: 'RW', auditTable: 'APPEND' },
    audit: { action: 'room.delete', mode: 'transaction' },
  }),
  restoreRoom: defineRoute({
    id: 'restoreRoom',
    method: 'POST',
    path: '/api/rooms/{room_id}/restore',
    summary:
      'Restore a soft-deleted room within 30 days of its deletion (404 after; 409 if you already have 50 live rooms).',
    tags: ['rooms'],
    handler: { entry: 'functions/rooms/restore-room.ts', export: 'handler' },
    auth: 'jwt',
    kind: 'http',
    request: { params: roomParamsSchema },
    responses: { 200: { description: 'The room, live again', schema: dataEnvelope(roomSchema) } },
    errors: [...requestErrorCodes, 'ROOM_NOT_FOUND', 'ROOM_LIMIT_REACHED', 'CONFLICT'],
    access: { chatTable: 'RW', auditTable: 'APPEND' },
    audit: { action: 'room.restore', mode: 'transaction' },
  }),
  getRoomHistory: defineRoute({
    id: 'getRoomHistory',
    method: 'GET',
    path: '/api/rooms/{room_id}/history',
    summary: "A page of the room's stored messages (newest first by default), optionally of one agent.",
    tags: ['rooms'],
    handler: { entry: 'functions/rooms/get-room-history.ts', export: 'handler' },
    auth: 'jwt',
    kind: 'http',
    request: { params: roomParamsSchema, query: roomHistoryQuerySchema },
    responses: { 200: { description: 'A page of messages', schema: dataEnvelope(roomHistorySchema) } },
    errors: [...requestErrorCodes, 'ROOM_NOT_FOUND'],
    // RW on both: a stream of the room whose process died is finished from its log first.
    access: { chatTable: 'RW', streamsTable: 'RW', auditTable: 'APPEND' },
    audit: { action: 'history.read', mode: 'parallel' },
  }),
} as const;
