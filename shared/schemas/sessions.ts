import * as z from 'zod';
import { agentTypes } from './agents';
import { roomIdSchema } from './rooms';

export const sessionIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, _ or -')
  .meta({
    description: 'Session id (made by the server).',
    example: 'sess_9b2f4c1d0e8a4f7b8c6d5e4f3a2b1c0d',
  });

const isoTimestamp = z.iso.datetime().meta({ example: '2026-01-01T12:00:00.000Z' });
const agentTypeSchema = z.enum(agentTypes);

// ---------------------------------------------------------------------------------------------
// Requests

export const sessionParamsSchema = z.object({ session_id: sessionIdSchema });

export const createSessionBodySchema = z
  .strictObject({
    room_id: roomIdSchema,
    agent_type: agentTypeSchema
      .optional()
      .meta({ description: 'The agent the session starts with (default general).' }),
  })
  .meta({ id: 'CreateSessionRequest' });

export const resetSessionBodySchema = z
  .strictObject({
    agent_type: agentTypeSchema
      .optional()
      .meta({ description: "The agent whose memory to reset; none = every agent's." }),
  })
  .meta({ id: 'ResetSessionRequest' });

export const clearHistoryBodySchema = z
  .strictObject({
    agent_type: agentTypeSchema
      .optional()
      .meta({ description: "Clear only this agent's messages; none = the whole room history." }),
  })
  .meta({ id: 'ClearHistoryRequest' });

/** Clients that cannot send a body with DELETE may pass `agent_type` as a query parameter instead. */
export const clearHistoryQuerySchema = z.strictObject({ agent_type: agentTypeSchema.optional() });

// ---------------------------------------------------------------------------------------------
// Responses

export const agentStateSchema = z.object({
  memory_reset_at: isoTimestamp
    .nullable()
    .meta({ description: 'The model is not shown turns of this agent created at or before this time.' }),
});

export const sessionSchema = z
  .object({
    session_id: sessionIdSchema,
    user_id: z.string(),
    room_id: roomIdSchema,
    agent_type: agentTypeSchema.meta({ description: 'The agent the session was opened with.' }),
    created_at: isoTimestamp,
    last_activity: isoTimestamp,
    expires_at: isoTimestamp.meta({
      description:
        'When the session expires unless used: the earlier of created_at + 30 min and last_activity + 10 min.',
    }),
    agents: z
      .record(z.string(), agentStateSchema)
      .meta({ description: 'Per-agent memory state, by agent type.' }),
    active_stream_id: z.string().nullable(),
  })
  .meta({ id: 'Session' });
export type Session = z.output<typeof sessionSchema>;

export const resetSessionResultSchema = z
  .object({ session_id: sessionIdSchema, reset_agents: z.array(agentTypeSchema) })
  .meta({ id: 'ResetSessionResult' });

export const clearHistoryResultSchema = z
  .object({ session_id: sessionIdSchema, room_id: roomIdSchema, cleared: z.literal(true) })
  .meta({ id: 'ClearHistoryResult' });

export const deletedSessionSchema = z
  .object({ session_id: sessionIdSchema, deleted: z.literal(true) })
  .meta({ id: 'DeletedSession' });

// ---------------------------------------------------------------------------------------------
// Stored item (chat table, `USER#<sub>` / `SESSION#<session_id>`): parsed, never cast.

export const sessionItemSchema = z.object({
  session_id: sessionIdSchema,
  user_id: z.string().min(1),
  room_id: roomIdSchema,
  agent_type: agentTypeSchema,
  created_at: isoTimestamp,
  last_activity: isoTimestamp,
  /** Absolute expiry (created_at + the session's lifetime); idle expiry is derived from last_activity. */
  expires_at: isoTimestamp,
  agents: z.record(z.string(), agentStateSchema).default({}),
  active_stream_id: z.string().nullish(),
});
export type SessionRecord = z.output<typeof sessionItemSchema>;
