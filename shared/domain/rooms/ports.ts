import type { AgentType } from '../../schemas/agents';
import type { Message } from '../../schemas/messages';
import type { RoomRecord, RoomSortField, SortOrder } from '../../schemas/rooms';
import type { Clock } from '../clock';
import type { RoomPolicy } from './room-policy';

/**
 * Ports of the room use cases, and `RoomDeps`, what they are given (built by
 * shared/wiring/rooms.ts). Adapters: shared/data/room-repository.ts,
 * shared/data/message-repository.ts, shared/data/history-clear-job-repository.ts (DynamoDB) and
 * shared/data/active-streams-repository.ts (the stream canceller). Every method is one atomic
 * step; conditions that guard invariants are evaluated by the store, never by a read followed by
 * a write.
 */

/** What the room use cases need; handlers build it once per cold start, tests inject fakes and a ManualClock. */
export interface RoomDeps {
  readonly rooms: RoomRepository;
  readonly messages: MessageRepository;
  readonly streams: StreamCanceller;
  readonly clock: Clock;
  readonly policy: RoomPolicy;
  /** Makes a new id (a prefix is added by the caller). */
  readonly newId: () => string;
}

/** What the background jobs (purge, history deletion) need. */
export interface MaintenanceDeps {
  readonly rooms: RoomRepository;
  readonly messages: MessageRepository;
  readonly jobs: HistoryClearJobRepository;
  readonly clock: Clock;
}

/**
 * Asks live streams to stop. Deleting a room or session, or clearing history, cancels the
 * streams they hold; the streaming loop sees the flag at its next poll, from whatever instance.
 * Declared here, in the lowest area that needs it; the chat area's `ActiveStreams` extends it.
 */
export type StreamScope =
  | { readonly roomId: string }
  | { readonly sessionId: string }
  /** Every live stream of the user (account deletion). */
  | { readonly allOfUser: true };

export interface StreamCanceller {
  /** Sets the cancel flag of every live stream of `userId` in `scope`; returns the ids it flagged. */
  cancelStreams(userId: string, scope: StreamScope): Promise<string[]>;
}

/**
 * Finishes, from their log, the streams in scope whose process died (lease lapsed, no end):
 * a read that would show one (room history, session) calls it first, so it shows the answer
 * as `interrupted` rather than a question with no answer. Implemented by the chat area
 * (shared/domain/chat/recover-stream.ts); returns how many it finished.
 */
export interface LapsedStreamFinisher {
  finishLapsed(userId: string, scope: StreamScope): Promise<number>;
}

/** A place in a room listing, as the store knows it (opaque to the domain, kept in cursors). */
export interface RoomListPosition {
  readonly room_id: string;
  readonly sort_key: string;
}

/** A place in a room's history (opaque to the domain, kept in cursors). */
export interface MessagePosition {
  readonly sort_key: string;
}

export interface IdempotencyRecord {
  /** sha256 of the normalised request: the same key with another request is a conflict. */
  readonly request_hash: string;
  /** The room as the first request created it: a replay answers exactly this. */
  readonly room: RoomRecord;
}

export interface CreateRoomCommand {
  readonly room: RoomRecord;
  readonly maxLiveRooms: number;
  readonly rateWindow: { readonly start: string; readonly limit: number; readonly endsAt: Date };
  readonly idempotency?: { readonly key: string; readonly requestHash: string; readonly expiresAt: Date };
  readonly now: Date;
}

/** Which condition stopped a create; when several did, the first that applies in this order. */
export type CreateRoomOutcome =
  | { readonly kind: 'created' }
  | { readonly kind: 'idempotency-key-used'; readonly record: IdempotencyRecord }
  | { readonly kind: 'room-limit' }
  | { readonly kind: 'rate-limited' }
  | { readonly kind: 'contention' };

export type RestoreOutcome = 'restored' | 'not-found' | 'room-limit' | 'contention';

export interface RoomListPage {
  readonly rooms: readonly RoomRecord[];
  /** Where the next page starts; undefined on the last page. */
  readonly next: RoomListPosition | undefined;
}

export interface RoomRepository {
  /** One transaction: counter below the limit, rate window below its limit, room, idempotency record. */
  create(command: CreateRoomCommand): Promise<CreateRoomOutcome>;
  /** The room, live or soft-deleted (strongly consistent); undefined when it does not exist. */
  find(userId: string, roomId: string): Promise<RoomRecord | undefined>;
  /** Live rooms of the user (the counter item). */
  countLive(userId: string): Promise<number>;
  list(
    userId: string,
    page: {
      readonly sortBy: RoomSortField;
      readonly order: SortOrder;
      readonly limit: number;
      readonly offset: number;
      readonly after: RoomListPosition | undefined;
    },
  ): Promise<RoomListPage>;
  /** Applies the changes to a live room; undefined when there is no live room. */
  update(
    userId: string,
    roomId: string,
    changes: { readonly room_name?: string; readonly metadata?: Record<string, unknown> },
  ): Promise<RoomRecord | undefined>;
  /** Soft-deletes a live room and frees its slot. */
  softDelete(
    userId: string,
    roomId: string,
    at: {
      readonly deletedAt: Date;
      readonly purgeAfter: Date;
      /** Only if the room's last_activity is still this (the retention job: an active room stays). */
      readonly ifLastActivity?: string;
    },
  ): Promise<'deleted' | 'not-found' | 'contention'>;
  /** Brings back a soft-deleted room whose purge time is still ahead, taking a slot. */
  restore(
    userId: string,
    room: RoomRecord,
    limits: { readonly now: Date; readonly maxLiveRooms: number },
  ): Promise<RestoreOutcome>;
  /** Soft-deleted rooms whose purge time is at or before `now`, oldest first (one page). */
  findPurgeable(
    now: Date,
    page: { readonly limit: number; readonly after: string | undefined },
  ): Promise<{
    readonly rooms: readonly { user_id: string; room_id: string }[];
    readonly next: string | undefined;
  }>;
  /** Deletes a soft-deleted room item whose purge time has come; false if it is not (or no longer) one. */
  deletePurged(userId: string, roomId: string, now: Date): Promise<boolean>;
  /** Takes `count` off the room's message_count (never below 0); nothing if the room is gone. */
  subtractMessages(userId: string, roomId: string, count: number): Promise<void>;
}

/** What a reader must hide: messages at or before these times (clear history). */
export interface HistoryWatermarks {
  readonly all: string | undefined;
  readonly byAgent: Readonly<Record<string, string>>;
}

export interface MessageRepository {
  /** One page of the room's visible messages (watermarks applied), in `order`. */
  page(
    userId: string,
    roomId: string,
    query: {
      readonly order: SortOrder;
      readonly limit: number;
      readonly agentType: AgentType | undefined;
      readonly watermarks: HistoryWatermarks;
      readonly after: MessagePosition | undefined;
    },
  ): Promise<{ readonly messages: readonly Message[]; readonly next: MessagePosition | undefined }>;
  /**
   * Physically deletes the room's messages created at or before `upTo` (of one agent, or all);
   * returns the created_at of each message it deleted.
   */
  deleteUpTo(
    userId: string,
    roomId: string,
    scope: { readonly upTo: string; readonly agentType: string | undefined },
  ): Promise<readonly string[]>;
  /** Physically deletes every message of the room; returns how many. */
  deleteAll(userId: string, roomId: string): Promise<number>;
}

/** A history-deletion job, written by "clear history" in the same transaction as the watermark. */
export interface HistoryClearJob {
  readonly user_id: string;
  readonly room_id: string;
  /** Delete messages created at or before this time ... */
  readonly cleared_up_to: string;
  /** ... of this agent only, or of every agent when absent. */
  readonly agent_type?: string | undefined;
}

/** The stored job's key, as a change stream reports it (opaque to the domain). */
export interface HistoryClearJobRef {
  readonly pk: string;
  readonly sk: string;
}

export interface HistoryClearJobRepository {
  /** The job, or undefined when it is done (deleted) or the key is not a job's. */
  find(ref: HistoryClearJobRef): Promise<HistoryClearJob | undefined>;
  complete(ref: HistoryClearJobRef): Promise<void>;
}
