import {
  chatMessageRequestSchema,
  chatStreamEventSchema,
  stopStreamParamsSchema,
  stopStreamRequestSchema,
  stopStreamResultSchema,
  streamEventsHeadersSchema,
  streamEventsQuerySchema,
  streamIdParamsSchema,
  streamViewSchema,
} from '../schemas/chat';
import { dataEnvelope } from '../schemas/envelope';
import { bodyErrorCodes, defineRoute, requestErrorCodes } from './route-definition';

export const chatRoutes = {
  sendChatMessage: defineRoute({
    id: 'sendChatMessage',
    method: 'POST',
    path: '/api/chat/message',
    summary:
      'Ask a question and receive the answer as a stream of server-sent events (Lambda function URL). Every check fails as a JSON error before the first byte.',
    tags: ['chat'],
    handler: { entry: 'functions/chat/stream-message.ts', export: 'handler' },
    auth: 'jwt',
    kind: 'stream',
    request: { body: chatMessageRequestSchema },
    responses: {
      200: {
        description:
          'The answer as `text/event-stream`: `id: 0` + `data: {"status":"started",...}`, then `streaming` deltas (`id` = `seq`, from 1), then exactly one of `completed`, `cancelled`, `error` (`id` = last seq + 1). A dropped connection resumes with `GET /api/chat/streams/{stream_id}/events` and `Last-Event-ID`.',
        schema: chatStreamEventSchema,
        contentType: 'text/event-stream',
      },
    },
    errors: [
      ...bodyErrorCodes,
      'UNAUTHORIZED',
      'SESSION_NOT_FOUND',
      'ROOM_NOT_FOUND',
      'SESSION_EXPIRED',
      'CONFLICT',
      'STREAM_LIMIT_REACHED',
    ],
    access: { chatTable: 'RW', streamsTable: 'RW', invokeModel: true, auditTable: 'APPEND' },
    audit: { action: 'message.send', mode: 'parallel' },
  }),
  stopStream: defineRoute({
    id: 'stopStream',
    method: 'POST',
    path: '/api/session/{session_id}/stop',
    summary:
      "Stop the session's live stream (or the given stream or request) from any device; waits (about two poll intervals plus a second at most) for the stream to end and answers with its final partial text, identical to the `cancelled` event's. Idempotent.",
    tags: ['sessions'],
    handler: { entry: 'functions/chat/stop-stream.ts', export: 'handler' },
    auth: 'jwt',
    kind: 'http',
    request: { params: stopStreamParamsSchema, body: stopStreamRequestSchema },
    responses: { 200: { description: 'What was stopped', schema: dataEnvelope(stopStreamResultSchema) } },
    errors: [...bodyErrorCodes, 'SESSION_NOT_FOUND', 'STREAM_NOT_FOUND'],
    access: { chatTable: 'RO', streamsTable: 'RW', auditTable: 'APPEND' },
    audit: { action: 'stream.stop', mode: 'parallel' },
  }),
  getStream: defineRoute({
    id: 'getStream',
    method: 'GET',
    path: '/api/chat/streams/{stream_id}',
    summary:
      "A stream's state: running, completed, cancelled, interrupted (its process died; finished from its log) or error, and the seq of its last logged delta. Another user's stream is 404.",
    tags: ['chat'],
    handler: { entry: 'functions/chat/get-stream.ts', export: 'handler' },
    auth: 'jwt',
    kind: 'http',
    request: { params: streamIdParamsSchema },
    responses: { 200: { description: 'The stream', schema: dataEnvelope(streamViewSchema) } },
    errors: [...requestErrorCodes, 'STREAM_NOT_FOUND'],
    // RW: a stream whose process died is finished from its log (answer stored, slot freed) on read.
    access: { chatTable: 'RW', streamsTable: 'RW', auditTable: 'APPEND' },
    audit: { action: 'stream.read', mode: 'parallel' },
  }),
  streamEvents: defineRoute({
    id: 'streamEvents',
    method: 'GET',
    path: '/api/chat/streams/{stream_id}/events',
    summary:
      'Resume or follow a stream (Lambda function URL): replays every event after `Last-Event-ID` (or `after_seq`; neither: from `started`), identical to the originals, then follows the live stream to its terminal event. Any instance, any number of readers. 410 STREAM_GONE once its log expired (24 h after it ended).',
    tags: ['chat'],
    handler: { entry: 'functions/chat/stream-events.ts', export: 'handler' },
    auth: 'jwt',
    kind: 'stream',
    request: {
      params: streamIdParamsSchema,
      query: streamEventsQuerySchema,
      headers: streamEventsHeadersSchema,
    },
    responses: {
      200: {
        description:
          'The events after the given one as `text/event-stream` (`id:` and `data:` lines, as the chat stream sends them), ending with the terminal event.',
        schema: chatStreamEventSchema,
        contentType: 'text/event-stream',
      },
    },
    errors: [...requestErrorCodes, 'UNAUTHORIZED', 'STREAM_NOT_FOUND', 'STREAM_GONE'],
    access: { chatTable: 'RW', streamsTable: 'RW', auditTable: 'APPEND' },
    audit: { action: 'stream.resume', mode: 'parallel' },
  }),
} as const;
