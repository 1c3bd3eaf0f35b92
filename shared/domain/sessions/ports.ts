import type { AgentType } from '../../schemas/agents';
import type { SessionRecord } from '../../schemas/sessions';
import type { Clock } from '../clock';
import type { RoomRepository, StreamCanceller } from '../rooms/ports';
import type { ActiveAt, SessionPolicy } from './session-policy';

export type ClearHistoryOutcome = 'cleared' | 'session-inactive' | 'room-gone' | 'contention';

/**
 * Ports of the session use cases, and `SessionDeps`, what they are given (built by
 * shared/wiring/sessions.ts). Adapter: shared/data/session-repository.ts (DynamoDB).
 */
export interface SessionRepository {
  /** Creates the session if its room is live (one transaction); 'room-not-found' otherwise. */
  create(session: SessionRecord, expiresAt: Date): Promise<'created' | 'room-not-found'>;
  /** The session (strongly consistent), whatever its expiry; undefined when it does not exist. */
  find(userId: string, sessionId: string): Promise<SessionRecord | undefined>;
  /** Sets memory_reset_at of each agent and touches last_activity; false if no longer active. */
  resetMemory(
    userId: string,
    sessionId: string,
    change: { readonly agents: readonly AgentType[]; readonly at: string; readonly activeAt: ActiveAt },
  ): Promise<boolean>;
  /**
   * One transaction: the session is active (and touched), the room is live and gets the
   * watermark, and a history-deletion job is recorded for the background.
   */
  clearHistory(command: {
    readonly userId: string;
    readonly sessionId: string;
    readonly roomId: string;
    readonly agentType: AgentType | undefined;
    readonly at: string;
    readonly activeAt: ActiveAt;
    readonly jobId: string;
  }): Promise<ClearHistoryOutcome>;
  /** Deletes the session; false if it was already gone. */
  delete(userId: string, sessionId: string): Promise<boolean>;
}

export interface SessionDeps {
  readonly sessions: SessionRepository;
  readonly rooms: RoomRepository;
  readonly streams: StreamCanceller;
  readonly clock: Clock;
  readonly policy: SessionPolicy;
  readonly newId: () => string;
}
