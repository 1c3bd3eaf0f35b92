import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { resetConfigForTests } from '../../../shared/config/config';
import { ManualClock } from '../../../shared/domain/clock';
import { createRoom } from '../../../shared/domain/rooms/create-room';
import { deleteRoom } from '../../../shared/domain/rooms/delete-room';
import { purgeDeletedRooms } from '../../../shared/domain/rooms/purge-deleted-rooms';
import { restoreRoom } from '../../../shared/domain/rooms/restore-room';
import { testContext } from '../../support/api-event';
import {
  isolatedChatTable,
  maintenanceDeps,
  newUser,
  roomDeps,
  seedMessages,
  storedMessages,
  userItemsWithPrefix,
} from '../../support/rooms-fixtures';

const DAY_MS = 24 * 3600_000;

/** The purge sweeps the whole table: these tests get a table of their own. */
describe('the purge of deleted rooms', () => {
  let table: string;

  beforeAll(async () => {
    table = await isolatedChatTable();
  });

  it('deletes rooms 30 days after their deletion with all their messages, and nothing else; a second run finds nothing', async () => {
    const clock = new ManualClock('2026-05-01T00:00:00.000Z');
    const deps = roomDeps(clock, {}, table);
    const alice = newUser('alice');
    const old = (await createRoom(deps, { userId: alice, body: { room_name: 'old' } })).room;
    const recent = (await createRoom(deps, { userId: alice, body: { room_name: 'recent' } })).room;
    const live = (await createRoom(deps, { userId: alice, body: { room_name: 'live' } })).room;
    const many = Array.from({ length: 60 }, (_, i) => ({
      created_at: new Date(Date.UTC(2026, 3, 1, 0, 0, i)).toISOString(),
    }));
    await seedMessages(alice, old.room_id, many, table);
    await seedMessages(alice, live.room_id, many.slice(0, 3), table);
    await deleteRoom(deps, alice, old.room_id);
    clock.advance(DAY_MS);
    await deleteRoom(deps, alice, recent.room_id);

    clock.set('2026-05-31T00:00:00.000Z');
    const run = await purgeDeletedRooms(maintenanceDeps(clock, table), { pageSize: 1 });
    const again = await purgeDeletedRooms(maintenanceDeps(clock, table));

    expect(run).toMatchObject({ rooms_purged: 1, messages_deleted: 60, complete: true });
    expect(again).toMatchObject({ rooms_purged: 0, messages_deleted: 0, complete: true });
    expect(await deps.rooms.find(alice, old.room_id)).toBeUndefined();
    expect(await storedMessages(alice, old.room_id, table)).toEqual([]);
    expect(await deps.rooms.find(alice, recent.room_id)).toMatchObject({ is_deleted: true });
    expect(await storedMessages(alice, live.room_id, table)).toHaveLength(3);
    expect(await deps.rooms.countLive(alice)).toBe(1);
  });

  it('lets a room be restored until its 30th day, and answers 404 from then on, before and after the purge', async () => {
    const clock = new ManualClock('2026-04-01T12:00:00.000Z');
    const deps = roomDeps(clock, {}, table);
    const alice = newUser('alice');
    const early = (await createRoom(deps, { userId: alice, body: { room_name: 'early' } })).room;
    const late = (await createRoom(deps, { userId: alice, body: { room_name: 'late' } })).room;
    await deleteRoom(deps, alice, early.room_id);
    await deleteRoom(deps, alice, late.room_id);

    clock.advance(30 * DAY_MS - 1);
    const justInTime = await restoreRoom(deps, alice, early.room_id);
    clock.advance(1);
    const pastWindow = restoreRoom(deps, alice, late.room_id);
    await expect(pastWindow).rejects.toMatchObject({ code: 'ROOM_NOT_FOUND' });
    await purgeDeletedRooms(maintenanceDeps(clock, table));
    const afterPurge = restoreRoom(deps, alice, late.room_id);

    expect(justInTime.is_deleted).toBe(false);
    await expect(afterPurge).rejects.toMatchObject({ code: 'ROOM_NOT_FOUND' });
    expect(await deps.rooms.find(alice, early.room_id)).toMatchObject({ is_deleted: false });
  });

  it('stops when its time budget runs out and finishes on the next run', async () => {
    const clock = new ManualClock('2026-06-01T00:00:00.000Z');
    const deps = roomDeps(clock, {}, table);
    const alice = newUser('alice');
    for (let i = 0; i < 3; i++) {
      const room = (await createRoom(deps, { userId: alice, body: { room_name: `r${i}` } })).room;
      await deleteRoom(deps, alice, room.room_id);
    }
    clock.advance(31 * DAY_MS);
    let budget = 4;

    const partial = await purgeDeletedRooms(maintenanceDeps(clock, table), {
      shouldContinue: () => budget-- > 0,
    });
    const rest = await purgeDeletedRooms(maintenanceDeps(clock, table));

    expect(partial.complete).toBe(false);
    expect(partial.rooms_purged).toBeLessThan(3);
    expect(rest.complete).toBe(true);
    expect(rest.rooms_purged).toBeGreaterThanOrEqual(3 - partial.rooms_purged);
    expect(await userItemsWithPrefix(alice, 'ROOM#', table)).toEqual([]);
  });

  describe('as the scheduled Lambda handler', () => {
    afterAll(() => {
      vi.unstubAllEnvs();
      resetConfigForTests();
      vi.resetModules();
    });

    it('purges what is due by the real clock', async () => {
      vi.stubEnv('CHAT_TABLE_NAME', table);
      resetConfigForTests();
      vi.resetModules();
      const { handler } = await import('../../../functions/maintenance/purge-deleted-rooms');
      const monthAgo = new ManualClock(new Date(Date.now() - 31 * DAY_MS));
      const deps = roomDeps(monthAgo, {}, table);
      const alice = newUser('alice');
      const room = (await createRoom(deps, { userId: alice, body: { room_name: 'forgotten' } })).room;
      await deleteRoom(deps, alice, room.room_id);

      const summary = await handler(
        { 'detail-type': 'Scheduled Event', source: 'aws.events' } as never,
        testContext('purge'),
      );

      expect(summary).toMatchObject({ complete: true });
      expect(summary.rooms_purged).toBeGreaterThanOrEqual(1);
      expect(await deps.rooms.find(alice, room.room_id)).toBeUndefined();
    });
  });
});
