import * as z from 'zod';
import { keyPrefixes } from '../data/keys';
import type { ChangeRecord } from './change-record';
import type { EventFrame } from './frames';

/**
 * ActiveStreams table changes → `stream.started` / `stream.ended`. Kept apart from everything
 * else on purpose: this is the one place that knows how stream records look in the table
 * (shared/data/active-streams-repository.ts), so a change of that layout changes only this file
 * and the filters beside it in change-subscriptions.ts.
 *
 * - `STREAM#<id>` INSERT (registration) → `stream.started`;
 * - `REQUEST#<id>` MODIFY whose `status` leaves `running` (the stream's end records its outcome
 *   there, whoever ends it) → `stream.ended` with that status.
 */
const startedSchema = z.object({
  stream_id: z.string(),
  session_id: z.string(),
  room_id: z.string(),
  request_id: z.string(),
  started_at: z.number().optional(),
});

const requestSchema = z.object({
  stream_id: z.string(),
  session_id: z.string(),
  room_id: z.string().optional(),
  status: z.enum(['running', 'complete', 'cancelled', 'interrupted', 'error']),
  ended_at: z.number().optional(),
});

/** The item's own epoch-ms time of the change when it has one, else the record's. */
const timeOf = (epochMs: number | undefined, fallback: string) =>
  epochMs === undefined ? fallback : new Date(epochMs).toISOString();

/** The request record says `complete` (as a message's status); a stream's status says `completed`. */
const streamStatusOf = {
  complete: 'completed',
  cancelled: 'cancelled',
  interrupted: 'interrupted',
  error: 'error',
} as const;

export function streamChangeFrames(change: ChangeRecord): EventFrame[] {
  const at = change.at.toISOString();
  if (change.sk.startsWith(keyPrefixes.stream) && change.eventName === 'INSERT' && change.newImage) {
    const { started_at: startedAt, ...stream } = startedSchema.parse(change.newImage);
    return [{ type: 'stream.started', at: timeOf(startedAt, at), ...stream, data: stream }];
  }
  if (
    change.sk.startsWith(keyPrefixes.chatRequest) &&
    change.eventName === 'MODIFY' &&
    change.newImage &&
    change.oldImage
  ) {
    const before = requestSchema.parse(change.oldImage);
    const after = requestSchema.parse(change.newImage);
    if (before.status !== 'running' || after.status === 'running') return [];
    return [
      {
        type: 'stream.ended',
        at: timeOf(after.ended_at, at),
        stream_id: after.stream_id,
        session_id: after.session_id,
        ...(after.room_id ? { room_id: after.room_id } : {}),
        data: { stream_id: after.stream_id, status: streamStatusOf[after.status] },
      },
    ];
  }
  return [];
}
