import * as z from 'zod';
import { agentTypes } from './agents';
import { roomIdSchema } from './rooms';
import { sessionIdSchema } from './sessions';

/**
 * Ids that end up inside DynamoDB keys (`...#<id>`): no `#`, no spaces, bounded. `request_id` is
 * the client's (e.g. a UUID it keeps for retries); stream ids are made by the server.
 */
export const keySafeId = (description: string) =>
  z
    .string()
    .min(1)
    .max(128)
    .regex(/^[A-Za-z0-9._:-]+$/, 'letters, digits and . _ : - only')
    .meta({ description });

export const MAX_QUERY_CHARS = 8000;

export const chatMessageRequestSchema = z
  .strictObject({
    query: z
      .string()
      .min(1)
      .max(MAX_QUERY_CHARS)
      .refine((value) => value.trim().length > 0, 'must not be blank')
      .meta({ description: 'The question, 1–8000 characters.' }),
    session_id: sessionIdSchema,
    room_id: roomIdSchema,
    agent_type: z.enum(agentTypes).optional().meta({ description: 'Default: `general`.' }),
    request_id: keySafeId(
      'Idempotency key chosen by the client: a retried POST with the same value never starts a second model call (409 CONFLICT). The server makes one when absent.',
    ).optional(),
  })
  .meta({ id: 'ChatMessageRequest' });

export type ChatMessageRequest = z.infer<typeof chatMessageRequestSchema>;

export const usageSchema = z
  .object({
    input_tokens: z.number().int().nonnegative(),
    output_tokens: z.number().int().nonnegative(),
    total_tokens: z.number().int().nonnegative(),
  })
  .meta({ id: 'ModelUsage' });

/** Codes of the stream's `error` event (the stream had started, so they are not HTTP statuses). */
export const streamErrorCodes = [
  'MODEL_ERROR',
  'MAX_DURATION_EXCEEDED',
  'INTERNAL',
  /** The stream's process died; its answer was finished from the stream log (status `interrupted`). */
  'STREAM_INTERRUPTED',
] as const;
export type StreamErrorCode = (typeof streamErrorCodes)[number];

export const streamStartedEventSchema = z
  .object({
    status: z.literal('started'),
    stream_id: z.string(),
    message_id: z.string().meta({ description: "The assistant message's id (stored when the stream ends)." }),
    request_id: z.string(),
  })
  .meta({ id: 'StreamStartedEvent' });

export const streamDeltaEventSchema = z
  .object({
    status: z.literal('streaming'),
    content: z.string().meta({ description: 'The next piece of the answer.' }),
    seq: z.number().int().positive().meta({ description: 'Starts at 1, grows by 1.' }),
  })
  .meta({ id: 'StreamDeltaEvent' });

export const streamCompletedEventSchema = z
  .object({ status: z.literal('completed'), message_id: z.string(), usage: usageSchema })
  .meta({ id: 'StreamCompletedEvent' });

export const streamCancelledEventSchema = z
  .object({
    status: z.literal('cancelled'),
    partial_response: z
      .string()
      .meta({ description: 'Exactly the concatenation of the `content` of the deltas sent before it.' }),
  })
  .meta({ id: 'StreamCancelledEvent' });

export const streamErrorEventSchema = z
  .object({ status: z.literal('error'), code: z.enum(streamErrorCodes), message: z.string() })
  .meta({ id: 'StreamErrorEvent' });

/** One `data: <json>\n\n` line of the event stream; exactly one terminal event ends it. */
export const chatStreamEventSchema = z
  .discriminatedUnion('status', [
    streamStartedEventSchema,
    streamDeltaEventSchema,
    streamCompletedEventSchema,
    streamCancelledEventSchema,
    streamErrorEventSchema,
  ])
  .meta({
    id: 'ChatStreamEvent',
    description:
      'text/event-stream: each event is `id: <n>` and `data: <one of these JSON objects>` followed by a blank line. `started` first (id 0), then `streaming` deltas (id = seq), then exactly one of `completed`, `cancelled`, `error` (id = last seq + 1).',
  });

export type ChatStreamEvent = z.infer<typeof chatStreamEventSchema>;
export type ModelUsageBody = z.infer<typeof usageSchema>;

export const stopStreamParamsSchema = z.object({ session_id: sessionIdSchema });

export const stopStreamRequestSchema = z
  .strictObject({
    stream_id: keySafeId('Stop this stream (it must belong to the session).').optional(),
    request_id: keySafeId(
      'Stop the stream of this chat request, even if it has not registered yet.',
    ).optional(),
  })
  .refine((body) => !(body.stream_id && body.request_id), {
    message: 'give stream_id or request_id, not both',
    path: ['request_id'],
  })
  .meta({ id: 'StopStreamRequest' });

export const stopStreamResultSchema = z
  .object({
    session_id: z.string(),
    stopped: z.boolean().meta({
      description:
        'true: a live stream now carries a stop request (set by this call or an earlier one) and will end with `cancelled`. false: nothing live to stop — it already ended, or it has not registered yet (then a short-lived tombstone cancels it the moment it registers).',
    }),
    stream_id: z.string().nullable(),
    partial_response: z.string().nullable().meta({
      description:
        "The answer's final text, identical to the `partial_response` of the stream's `cancelled` event (the stop waits for the stream's loop to end it); the logged text if the loop did not answer in time. null when no stream was stopped.",
    }),
  })
  .meta({ id: 'StopStreamResult' });

export type StopStreamResult = z.infer<typeof stopStreamResultSchema>;

/** A stream's state as `GET /api/chat/streams/{stream_id}` reports it. */
export const streamStatuses = ['running', 'completed', 'cancelled', 'interrupted', 'error'] as const;
export type StreamStatus = (typeof streamStatuses)[number];

export const streamIdParamsSchema = z.object({
  stream_id: keySafeId('The stream, as its `started` event named it.'),
});

export const streamViewSchema = z
  .object({
    stream_id: z.string(),
    session_id: z.string(),
    room_id: z.string(),
    request_id: z.string(),
    status: z.enum(streamStatuses),
    last_seq: z
      .number()
      .int()
      .nonnegative()
      .meta({ description: 'The `seq` of the last delta in the stream log (0: none yet).' }),
  })
  .meta({ id: 'Stream' });
export type StreamView = z.infer<typeof streamViewSchema>;

const seqText = z
  .string()
  .regex(/^\d{1,9}$/, 'a whole number')
  .transform(Number);

export const streamEventsQuerySchema = z.strictObject({
  after_seq: seqText.optional().meta({
    description:
      'Replay the events after this one (0: after `started`). Without it (and without `Last-Event-ID`) the replay starts with `started`.',
  }),
});

export const streamEventsHeadersSchema = z.object({
  'last-event-id': seqText
    .optional()
    .meta({ description: 'The `id:` of the last event received; takes precedence over `after_seq`.' }),
});
