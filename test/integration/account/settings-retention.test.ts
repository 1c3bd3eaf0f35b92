import { describe, expect, it } from 'vitest';
import { handler as getSettingsHandler } from '../../../functions/account/get-settings';
import { handler as updateSettingsHandler } from '../../../functions/account/update-settings';
import { createAccountRepository } from '../../../shared/data/account-repository';
import { createRoomRepository } from '../../../shared/data/room-repository';
import { applyRetention } from '../../../shared/domain/account/apply-retention';
import type { AccountMaintenanceDeps } from '../../../shared/domain/account/ports';
import { updateSettings } from '../../../shared/domain/account/settings';
import { ManualClock } from '../../../shared/domain/clock';
import { createRoom } from '../../../shared/domain/rooms/create-room';
import { accountDeps, storedAuditEvents, testEventId } from '../../support/account-fixtures';
import { invoke } from '../../support/api-event';
import {
  isolatedChatTable,
  newUser,
  recordingCanceller,
  roomDeps,
  seedMessages,
  testDocumentClient,
  userItems,
} from '../../support/rooms-fixtures';

const DAY = 86_400_000;
const start = '2026-03-01T00:00:00.000Z';
const getSettings = (sub: string) => invoke(getSettingsHandler, { sub, path: '/api/me/settings' });
const patchSettings = (sub: string, body: unknown) =>
  invoke(updateSettingsHandler, { method: 'PATCH', sub, path: '/api/me/settings', body });

function retentionDeps(
  clock: ManualClock,
  table: string,
): AccountMaintenanceDeps & { streams: ReturnType<typeof recordingCanceller> } {
  const deps = accountDeps(clock, {}, table);
  return {
    account: createAccountRepository(testDocumentClient(), table),
    audit: deps.audit,
    rooms: createRoomRepository(testDocumentClient(), table),
    streams: recordingCanceller(),
    jobs: { find: async () => undefined, complete: async () => {} },
    families: [],
    clock,
    retention: { defaultRetentionDays: 30 },
    newId: testEventId,
  };
}

describe('GET/PATCH /api/me/settings', () => {
  it('answers the operator default for a user who set nothing', async () => {
    const response = await getSettings(newUser('alice'));

    expect(response.status).toBe(200);
    expect(response.body.data).toEqual({
      retention_days: 30,
      source: 'default',
      default_retention_days: 30,
      updated_at: null,
    });
  });

  it("stores the user's retention, which then overrides the default; null keeps rooms", async () => {
    const alice = newUser('alice');

    const set = await patchSettings(alice, { retention_days: 7 });
    const read = await getSettings(alice);
    const keep = await patchSettings(alice, { retention_days: null });

    expect(set.status).toBe(200);
    expect(read.body.data).toMatchObject({ retention_days: 7, source: 'user', default_retention_days: 30 });
    expect(keep.body.data).toMatchObject({ retention_days: null, source: 'user' });
    const actions = (await storedAuditEvents(alice)).map((event) => `${event.action}:${event.outcome}`);
    expect(actions.sort()).toEqual([
      'settings.read:success',
      'settings.update:success',
      'settings.update:success',
    ]);
  });

  it.each([
    [{ retention_days: 0 }],
    [{ retention_days: 3651 }],
    [{ retention_days: 1.5 }],
    [{ retention_days: '7' }],
    [{}],
    [{ retention_days: 7, color: 'blue' }],
  ])('answers 400 for %j and changes nothing', async (body) => {
    const alice = newUser('alice');
    await patchSettings(alice, { retention_days: 5 });
    const before = await userItems(alice);

    const response = await patchSettings(alice, body);

    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('VALIDATION_ERROR');
    expect(await userItems(alice)).toEqual(before);
  });
});

describe('the retention job', () => {
  it("deletes rooms inactive longer than their owner's retention, and only those (no Scan: the review index)", async () => {
    const table = await isolatedChatTable();
    const clock = new ManualClock(start);
    const alice = newUser('alice');
    const bob = newUser('bob');
    const rooms = roomDeps(clock, {}, table);
    const old = (await createRoom(rooms, { userId: alice, body: { room_name: 'old' } })).room;
    const active = (await createRoom(rooms, { userId: alice, body: { room_name: 'active' } })).room;
    const bobs = (await createRoom(rooms, { userId: bob, body: { room_name: 'default' } })).room;
    await updateSettings(accountDeps(clock, {}, table), alice, { retention_days: 1 });
    await seedMessages(
      alice,
      active.room_id,
      [{ created_at: new Date(Date.parse(start) + 1.5 * DAY).toISOString() }],
      table,
    );
    const deps = retentionDeps(clock, table);

    clock.set(new Date(Date.parse(start) + 2 * DAY));
    const first = await applyRetention(deps);

    expect(first).toMatchObject({ rooms_deleted: 1, complete: true });
    const repository = createRoomRepository(testDocumentClient(), table);
    expect((await repository.find(alice, old.room_id))?.is_deleted).toBe(true);
    expect((await repository.find(alice, old.room_id))?.purge_after).toEqual(expect.any(String));
    expect((await repository.find(alice, active.room_id))?.is_deleted).toBe(false);
    expect((await repository.find(bob, bobs.room_id))?.is_deleted).toBe(false);
    expect(deps.streams.calls).toEqual([{ userId: alice, scope: { roomId: old.room_id } }]);
    const [event] = (await storedAuditEvents(alice)).filter((e) => e.action === 'room.delete.retention');
    expect(event).toMatchObject({ actor: 'system', resources: { room_id: old.room_id }, outcome: 'success' });

    clock.set(new Date(Date.parse(start) + 3 * DAY));
    expect(await applyRetention(deps)).toMatchObject({ rooms_deleted: 1 });
    expect((await repository.find(alice, active.room_id))?.is_deleted).toBe(true);

    clock.set(new Date(Date.parse(start) + 29 * DAY));
    expect(await applyRetention(deps)).toMatchObject({ reviewed: 0, rooms_deleted: 0 });
    clock.set(new Date(Date.parse(start) + 30 * DAY + 1));
    expect(await applyRetention(deps)).toMatchObject({ reviewed: 1, rooms_deleted: 1 });
    expect((await repository.find(bob, bobs.room_id))?.is_deleted).toBe(true);
  });

  it('keeps the rooms of a user whose retention is null, until they set one', async () => {
    const table = await isolatedChatTable();
    const clock = new ManualClock(start);
    const alice = newUser('alice');
    const room = (
      await createRoom(roomDeps(clock, {}, table), { userId: alice, body: { room_name: 'keep' } })
    ).room;
    await updateSettings(accountDeps(clock, {}, table), alice, { retention_days: null });
    const deps = retentionDeps(clock, table);
    const repository = createRoomRepository(testDocumentClient(), table);

    clock.set(new Date(Date.parse(start) + 2 * DAY));
    expect(await applyRetention(deps)).toMatchObject({ reviewed: 1, rooms_deleted: 0 });
    clock.set(new Date(Date.parse(start) + 400 * DAY));
    expect(await applyRetention(deps)).toMatchObject({ reviewed: 0, rooms_deleted: 0 });
    expect((await repository.find(alice, room.room_id))?.is_deleted).toBe(false);

    await updateSettings(accountDeps(clock, {}, table), alice, { retention_days: 10 });
    expect(await applyRetention(deps)).toMatchObject({ reviewed: 1, rooms_deleted: 1 });
  });
});
