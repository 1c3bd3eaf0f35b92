import { DomainError } from '../errors';
import type { RequestStatus, Tombstone } from './ports';

/**
 * The chat area's decisions about live streams, kept apart from the ActiveStreams adapter,
 * which only reports what it found (the registration transaction checks the same rules as
 * condition expressions, so they hold atomically too).
 */

/**
 * Whether a stop tombstone applies to a stream whose request arrived at `requestedAt`
 * (a stop can overtake the POST it is meant for):
 * - a request tombstone applies to the stream of that request_id whenever it registers within
 *   the tombstone's life: the id names exactly one request, so there is nothing else it could hit;
 * - a session tombstone applies only to a request that ARRIVED AT OR BEFORE the stop: the stop
 *   can only have meant a request already in flight, so a question sent after a late stop click
 *   is never killed by it.
 */
export function tombstoneApplies(
  kind: 'request' | 'session',
  tombstone: Tombstone,
  stream: { readonly requestedAt: Date },
  now: Date,
): boolean {
  if (tombstone.expiresAt.getTime() <= now.getTime()) return false;
  return kind === 'request' || sessionStopReaches(tombstone.createdAt, stream.requestedAt);
}

/** A stop of a whole session reaches the requests that arrived at or before it, never a later one. */
export const sessionStopReaches = (stoppedAt: Date, requestedAt: Date): boolean =>
  stoppedAt.getTime() >= requestedAt.getTime();

/** 409: the request_id was used by an earlier POST (running, or answered). */
export function requestAlreadyUsed(status: RequestStatus): DomainError {
  return new DomainError(
    'CONFLICT',
    status === 'running'
      ? 'A stream for this request_id is already running.'
      : 'This request_id has already been answered; its messages are in the room history.',
    { details: [{ path: 'body.request_id', message: `already used (${status})` }] },
  );
}

/** 429: every slot of the user is held by a live stream. */
export const streamLimitReached = (): DomainError =>
  new DomainError('STREAM_LIMIT_REACHED', 'Too many live streams: wait for one to end or stop one.');
