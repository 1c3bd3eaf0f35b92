import type { MaintenanceDeps } from './ports';

export interface PurgeSummary {
  readonly rooms_purged: number;
  readonly messages_deleted: number;
  /** False when the run stopped early (time budget): the next run continues, nothing is lost. */
  readonly complete: boolean;
}

/**
 * Deletes every soft-deleted room whose retention window has ended (purge_after at or before
 * now) and all its messages. Messages go first and the room item last, so a run that dies half
 * way leaves the room findable and the next run finishes it: the purge is idempotent.
 * Sessions and idempotency records of the room expire by TTL (reads already treat them as gone).
 */
export async function purgeDeletedRooms(
  deps: Pick<MaintenanceDeps, 'rooms' | 'messages' | 'clock'>,
  options: { readonly pageSize?: number; readonly shouldContinue?: () => boolean } = {},
): Promise<PurgeSummary> {
  const now = deps.clock.now();
  const shouldContinue = options.shouldContinue ?? (() => true);
  let roomsPurged = 0;
  let messagesDeleted = 0;
  let after: string | undefined;
  do {
    const page = await deps.rooms.findPurgeable(now, { limit: options.pageSize ?? 25, after });
    for (const room of page.rooms) {
      if (!shouldContinue())
        return { rooms_purged: roomsPurged, messages_deleted: messagesDeleted, complete: false };
      messagesDeleted += await deps.messages.deleteAll(room.user_id, room.room_id);
      if (await deps.rooms.deletePurged(room.user_id, room.room_id, now)) roomsPurged += 1;
    }
    after = page.next;
  } while (after !== undefined && shouldContinue());
  return { rooms_purged: roomsPurged, messages_deleted: messagesDeleted, complete: after === undefined };
}
