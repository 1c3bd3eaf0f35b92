import type { Clock } from '../clock';
import type { StreamCanceller } from '../ports/stream-canceller';
import type { MessageRepository, RoomRepository } from './ports';
import type { RoomPolicy } from './room-policy';

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
