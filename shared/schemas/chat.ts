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
export const streamErrorCodes = ['MODEL_ERROR', 'MAX_DURATION_EXCEEDED', 'INTERNAL'] as const;
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
      'text/event-stream: each event is `data: <one of these JSON objects>` followed by a blank line. `started` first, then `streaming` deltas, then exactly one of `completed`, `cancelled`, `error`.',
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
        "The answer's text at the stream's last checkpoint (at most one poll interval behind what the client has seen); null when no stream was stopped.",
    }),
  })
  .meta({ id: 'StopStreamResult' });

export type StopStreamResult = z.infer<typeof stopStreamResultSchema>;
