/**
 * Port: the live-stream registry (ActiveStreams table). Everything a stream's life needs to be
 * seen from another process lives behind it: the per-user concurrency slots with their
 * heartbeat leases, the cancel flag and the partial-text checkpoint, the chat-request record
 * that makes a retried POST start no second model call, and stop tombstones for stops that
 * arrive before the stream registers. Adapter: shared/data/active-streams-repository.ts, which
 * takes `now` from an injected Clock (leases are tested without sleeping).
 */
import type { StreamCanceller } from './stream-canceller';

/** Who asked a stream to stop: a user's stop, or the deletion/clearing of its room or session. */
export type CancelReason = 'stop' | 'room' | 'session';

export interface CancelRequest {
  readonly requestedAt: Date;
  readonly reason: CancelReason;
}

/** A chat request's final state, kept on its record after the stream has gone. */
export type RequestStatus = 'running' | 'complete' | 'cancelled' | 'interrupted' | 'error';

export interface ChatRequestRecord {
  readonly requestId: string;
  readonly streamId: string;
  readonly sessionId: string;
  readonly status: RequestStatus;
}

/** What registering a stream needs to know, read in one round trip before it. */
export interface Admission {
  /** Slots that are free now (never held, or their lease has lapsed). */
  readonly freeSlots: readonly number[];
  /** The record of an earlier POST with the same request_id. */
  readonly existingRequest?: ChatRequestRecord;
  /** A stop that came before the stream registered and applies to it. */
  readonly tombstone?: CancelRequest;
}

export interface AdmissionTarget {
  readonly sessionId: string;
  readonly requestId: string;
  /** When the chat request arrived: a session tombstone applies only to requests older than it. */
  readonly requestedAt: Date;
}

export interface NewStream {
  readonly userId: string;
  readonly streamId: string;
  readonly requestId: string;
  readonly sessionId: string;
  readonly roomId: string;
  readonly agentType: string;
  /** The assistant message the stream will store. */
  readonly messageId: string;
  readonly requestedAt: Date;
  readonly deadlineAt: Date;
}

/** A registered stream, as its loop holds it. */
export interface StreamHandle {
  readonly userId: string;
  readonly streamId: string;
  readonly requestId: string;
  readonly slot: number;
  /** Set at registration when a tombstone applied: the stream ends at once. */
  readonly cancel?: CancelRequest;
}

export interface Checkpoint {
  readonly partialResponse: string;
  readonly seq: number;
}

export type HeartbeatOutcome =
  | { readonly state: 'live' }
  | { readonly state: 'cancelled'; readonly cancel: CancelRequest }
  /** The stream's record is gone (never expected; treated as a cancel). */
  | { readonly state: 'lost' };

export interface LiveStream {
  readonly streamId: string;
  readonly requestId: string;
  readonly sessionId: string;
  readonly roomId: string;
  readonly requestedAt: Date;
  readonly cancel?: CancelRequest;
  /** The last checkpoint of the text sent so far. */
  readonly partialResponse: string;
}

export type TombstoneTarget = { readonly requestId: string } | { readonly sessionId: string };

export interface ActiveStreams extends StreamCanceller {
  /** Round trip 1 (with the conversation reads): free slots, an earlier request, an applying tombstone. */
  admission(userId: string, target: AdmissionTarget): Promise<Admission>;
  /**
   * Round trip 2: stream record + slot + request record in one transaction, with the
   * tombstones checked inside it. Throws STREAM_LIMIT_REACHED (429) or CONFLICT (409).
   */
  register(stream: NewStream, admission: Admission): Promise<StreamHandle>;
  /** One write per poll: renews the lease, stores the checkpoint, reports a cancel. */
  heartbeat(handle: StreamHandle, checkpoint: Checkpoint | undefined): Promise<HeartbeatOutcome>;
  /** Frees the slot, removes the stream record, records the request's final status. */
  finish(handle: StreamHandle, status: Exclude<RequestStatus, 'running'>): Promise<void>;

  /** The user's live streams (leases current), newest request first. */
  liveStreams(userId: string): Promise<LiveStream[]>;
  getStream(userId: string, streamId: string): Promise<LiveStream | undefined>;
  getRequest(userId: string, requestId: string): Promise<ChatRequestRecord | undefined>;
  /** Sets the cancel flag of a live stream (keeping an earlier request's time); undefined if not live. */
  requestCancel(userId: string, streamId: string, reason: CancelReason): Promise<LiveStream | undefined>;
  /** Leaves a short-lived tombstone for a stop that found nothing live; returns its creation time. */
  leaveTombstone(userId: string, target: TombstoneTarget): Promise<Date>;
}
