/**
 * Port: what the chat stream reads and writes in the chat table — the session and room it runs
 * in, the room's recent turns, and the two messages of an answer. The writes are guarded: a
 * room deleted, a history cleared or a session deleted after the stream's request arrived makes
 * them fail as `gone`, so a stream that ends late never brings back what was removed.
 * Adapter: shared/data/conversation-writer.ts.
 */
import type { Message } from '../../schemas/messages';
import type { RoomRecord } from '../../schemas/rooms';
import type { SessionRecord } from '../../schemas/sessions';
import type { ActiveAt } from '../sessions/ports';

export type MessageStatus = Message['status'];

export interface ChatContext {
  readonly session?: SessionRecord;
  readonly room?: RoomRecord;
  /** The room's most recent messages (any agent, any order): the caller applies agent and watermarks. */
  readonly recentMessages: readonly Message[];
}

export interface MessageToRecord {
  readonly userId: string;
  readonly message: Message;
  readonly streamId: string;
  readonly requestId: string;
  /** When the chat request arrived: a history cleared at or after it makes the write `gone`. */
  readonly requestedAt: string;
  /** The session's creation: a room deleted after it (`sessions_ended_at`) makes the write `gone`. */
  readonly sessionCreatedAt: string;
  /**
   * The question only: the session must still be active at this moment, and its
   * `active_stream_id` becomes this stream. The answer only needs the session to exist.
   */
  readonly activeAt?: ActiveAt;
}

/** `recorded`: written (or already there); `gone`: the room, its history or the session went away. */
export type RecordOutcome = 'recorded' | 'gone';

export interface ConversationStore {
  /** Session + room (one consistent BatchGet) in parallel with the room's latest messages. */
  loadChatContext(userId: string, ids: { sessionId: string; roomId: string }): Promise<ChatContext>;
  /** Message + room counters/preview/last_activity + session last_activity, in one transaction. */
  recordMessage(record: MessageToRecord): Promise<RecordOutcome>;
  /** Clears the session's `active_stream_id` if it still names this stream. */
  releaseSession(userId: string, sessionId: string, streamId: string): Promise<void>;
}
