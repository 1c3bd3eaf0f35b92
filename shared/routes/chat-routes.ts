import {
  chatMessageRequestSchema,
  chatStreamEventSchema,
  stopStreamParamsSchema,
  stopStreamRequestSchema,
  stopStreamResultSchema,
} from '../schemas/chat';
import { dataEnvelope } from '../schemas/envelope';
import { bodyErrorCodes, defineRoute } from './route-definition';

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
          'The answer as `text/event-stream`: `data: {"status":"started",...}`, then `streaming` deltas (`seq` from 1), then exactly one of `completed`, `cancelled`, `error`.',
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
      "Stop the session's live stream (or the given stream or request) from any device; answers at once with the partial text of the last checkpoint. Idempotent.",
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
} as const;
