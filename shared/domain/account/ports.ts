import type { AuditEvent } from '../../schemas/account';
import type { RoomRecord } from '../../schemas/rooms';
import type { SessionRecord } from '../../schemas/sessions';
import type { Clock } from '../clock';
import type { MessageRepository, RoomRepository, StreamCanceller } from '../rooms/ports';

/**
 * Ports of the account area ("your data": export, audit trail, retention, deletion), and the
 * `*Deps` its use cases take (built by shared/wiring/account.ts). Adapters:
 * shared/data/audit-repository.ts, shared/data/account-repository.ts.
 */

/** A place in the audit listing (opaque to the domain, kept in cursors). */
export interface AuditPosition {
  readonly sort_key: string;
}

/** The append-only audit trail: events are added, never changed or removed (TTL ends them). */
export interface AuditTrail {
  record(event: AuditEvent): Promise<void>;
  /** The user's events, newest first. */
  list(
    userId: string,
    page: { readonly limit: number; readonly after: AuditPosition | undefined },
  ): Promise<{ readonly events: readonly AuditEvent[]; readonly next: AuditPosition | undefined }>;
}

export interface StoredSettings {
  readonly retention_days: number | null;
  readonly updated_at: string;
}

/** A live room waiting for its retention review (gsi4 `REVIEW#<n>`). */
export interface ReviewCandidate {
  readonly user_id: string;
  readonly room_id: string;
  readonly last_activity: string;
}

export interface AccountStore {
  settings(userId: string): Promise<StoredSettings | undefined>;
  /** Stores the settings (one transaction, so the request's audit event joins it). */
  saveSettings(userId: string, settings: StoredSettings): Promise<void>;
  /** Moves every live room of the user to be reviewed at `at` (its retention may have changed). */
  reviewLiveRoomsAt(userId: string, at: Date): Promise<number>;
  /** Live rooms whose review time is at or before `now` (one page over the shards). */
  findDueForReview(
    now: Date,
    page: { readonly limit: number; readonly after: string | undefined },
  ): Promise<{ readonly rooms: readonly ReviewCandidate[]; readonly next: string | undefined }>;
  /**
   * Sets the room's next review (or takes it out of review: `undefined`), if it is still live
   * and its last_activity is still `seenActivity`; false otherwise (something changed: the next
   * review, set by that change, decides).
   */
  rescheduleReview(candidate: ReviewCandidate, reviewAt: Date | undefined): Promise<boolean>;
  /** When the user's data was deleted (everything created at or before is hidden), if ever. */
  deletionWatermark(userId: string): Promise<string | undefined>;
  /**
   * One transaction: the watermark moves to `at`, the live-room counter and the settings are
   * reset, and a deletion job is queued for the background.
   */
  requestDeletion(userId: string, at: Date, jobId: string): Promise<void>;
}

/** The items of one user that a data export reads, page by page (memory stays flat). */
export interface AccountDataReader {
  /** Every room of the user, live and soft-deleted, in pages. */
  rooms(userId: string): AsyncIterable<readonly RoomRecord[]>;
  sessions(userId: string): AsyncIterable<readonly SessionRecord[]>;
}

/** A physical-deletion job queued by an account deletion. */
export interface AccountDeletionJob {
  readonly user_id: string;
  /** Delete everything of the user created at or before this time. */
  readonly deleted_up_to: string;
}

export interface AccountDeletionJobRef {
  readonly pk: string;
  readonly sk: string;
}

/**
 * One family of per-user items that an account deletion removes: the chat table's own items,
 * the streams table (everything under the owner prefix), and — as other parts add them — the
 * WebSocket connections and anything else keyed by the user. Each deletes what was created at
 * or before `upTo` and returns how many items it removed; each is idempotent (a retried job
 * runs it again).
 */
export interface PerUserItemFamily {
  readonly name: string;
  deleteUpTo(userId: string, upTo: string): Promise<number>;
}

export interface AccountDeletionJobs {
  find(ref: AccountDeletionJobRef): Promise<AccountDeletionJob | undefined>;
  complete(ref: AccountDeletionJobRef): Promise<void>;
}

export interface RetentionPolicy {
  /** For users who set nothing; null: keep rooms however long they sit idle. */
  readonly defaultRetentionDays: number | null;
}

/** What the request-path use cases of the account area need. */
export interface AccountDeps {
  readonly account: AccountStore;
  readonly audit: AuditTrail;
  readonly rooms: RoomRepository;
  readonly messages: MessageRepository;
  readonly data: AccountDataReader;
  readonly streams: StreamCanceller;
  readonly clock: Clock;
  readonly retention: RetentionPolicy;
  readonly newId: () => string;
}

/** What the background jobs of the account area need. */
export interface AccountMaintenanceDeps {
  readonly account: AccountStore;
  readonly audit: AuditTrail;
  readonly rooms: RoomRepository;
  readonly streams: StreamCanceller;
  readonly jobs: AccountDeletionJobs;
  /** Deleted in this order; the chat table's family last but one, the job item last. */
  readonly families: readonly PerUserItemFamily[];
  readonly clock: Clock;
  readonly retention: RetentionPolicy;
  readonly newId: () => string;
}
