import { describe, expect, it } from 'vitest';
import { handler as listAuditHandler } from '../../../functions/account/list-audit-events';
import { handler as createRoomHandler } from '../../../functions/rooms/create-room';
import { handler as getRoomHandler } from '../../../functions/rooms/get-room';
import { handler as historyHandler } from '../../../functions/rooms/get-room-history';
import { handler as updateRoomHandler } from '../../../functions/rooms/update-room';
import { setAuditTrailForTests } from '../../../shared/http/audit';
import { storedAuditEvents, storedAuditItems } from '../../support/account-fixtures';
import { invoke } from '../../support/api-event';
import { newUser, seedMessages } from '../../support/rooms-fixtures';

const createRoom = (sub: string, roomName = 'Blood pressure') =>
  invoke(createRoomHandler, { method: 'POST', path: '/api/rooms', sub, body: { room_name: roomName } });
const getRoom = (sub: string, roomId: string) =>
  invoke(getRoomHandler, { sub, path: `/api/rooms/${roomId}`, pathParameters: { room_id: roomId } });
const listAudit = (sub: string, query: Record<string, string> = {}) =>
  invoke(listAuditHandler, { sub, path: '/api/me/audit', query });

describe('the audit trail', () => {
  it('records a create in the same transaction as the room: the new room id, outcome success, who and from where', async () => {
    const alice = newUser('alice');

    const created = await createRoom(alice);

    expect(created.status).toBe(201);
    const [event] = await storedAuditEvents(alice);
    expect(event).toMatchObject({
      user_id: alice,
      actor: 'user',
      action: 'room.create',
      resources: { room_id: created.body.data.room_id },
      outcome: 'success',
      source_ip: '127.0.0.1',
      user_agent: 'vitest',
    });
    expect(event?.request_id).toEqual(expect.any(String));
    expect(event?.event_id).toEqual(expect.any(String));
  });

  it('keeps events for the configured retention (TTL 6 years after the request)', async () => {
    const alice = newUser('alice');
    await createRoom(alice);

    const [item] = await storedAuditItems(alice);

    const at = Date.parse(String(item?.at));
    expect(item?.ttl).toBe(Math.floor((at + 2190 * 86_400_000) / 1000));
  });

  it('records a read in parallel, and a read that failed with its outcome, naming the event it corrects', async () => {
    const alice = newUser('alice');
    const bob = newUser('bob');
    const room = (await createRoom(alice)).body.data;

    expect((await getRoom(alice, room.room_id)).status).toBe(200);
    expect((await getRoom(bob, room.room_id)).status).toBe(404);

    const [read] = (await storedAuditEvents(alice)).filter((event) => event.action === 'room.read');
    expect(read).toMatchObject({ resources: { room_id: room.room_id }, outcome: 'success' });
    const bobs = await storedAuditEvents(bob);
    const failed = bobs.find((event) => event.outcome === 'ROOM_NOT_FOUND');
    const attempt = bobs.find((event) => event.outcome === 'success');
    expect(failed).toMatchObject({ action: 'room.read', resources: { room_id: room.room_id } });
    expect(failed?.supersedes).toBe(attempt?.event_id);
  });

  it('records requests that fail validation, with the error code', async () => {
    const alice = newUser('alice');

    const response = await createRoom(alice, '   ');

    expect(response.status).toBe(400);
    const events = await storedAuditEvents(alice);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ action: 'room.create', outcome: 'VALIDATION_ERROR' });
  });

  it('never stores message text, names or metadata: only ids', async () => {
    const alice = newUser('alice');
    const room = (await createRoom(alice, 'Secret diagnosis room')).body.data;
    await seedMessages(alice, room.room_id, [{ created_at: new Date().toISOString() }]);
    await invoke(updateRoomHandler, {
      method: 'PATCH',
      sub: alice,
      path: `/api/rooms/${room.room_id}`,
      pathParameters: { room_id: room.room_id },
      body: { room_name: 'Another secret', metadata: { diagnosis: 'private' } },
    });
    await invoke(historyHandler, {
      sub: alice,
      path: `/api/rooms/${room.room_id}/history`,
      pathParameters: { room_id: room.room_id },
    });

    const stored = JSON.stringify(await storedAuditItems(alice));

    expect(stored).not.toMatch(/secret|diagnosis|private|message 0/i);
    expect((await storedAuditEvents(alice)).map((event) => event.action).sort()).toEqual([
      'history.read',
      'room.create',
      'room.update',
    ]);
  });

  it('fails a read whose audit event cannot be stored: no access goes unrecorded', async () => {
    const alice = newUser('alice');
    const room = (await createRoom(alice)).body.data;
    setAuditTrailForTests({
      record: async () => {
        throw new Error('audit table unavailable');
      },
      list: async () => ({ events: [], next: undefined }),
    });
    try {
      const response = await getRoom(alice, room.room_id);

      expect(response.status).toBe(500);
      expect(response.body.error.code).toBe('INTERNAL');
    } finally {
      setAuditTrailForTests(undefined);
    }
  });

  describe('GET /api/me/audit', () => {
    it("lists the caller's own events newest first, page by page, and never another user's", async () => {
      const alice = newUser('alice');
      const bob = newUser('bob');
      const room = (await createRoom(alice)).body.data;
      for (let i = 0; i < 4; i++) await getRoom(alice, room.room_id);
      await createRoom(bob);

      const seen: { action: string; at: string; user_id: string }[] = [];
      let cursor: string | null = null;
      do {
        const page = await listAudit(alice, { limit: '2', ...(cursor ? { cursor } : {}) });
        expect(page.status).toBe(200);
        seen.push(...page.body.data.events);
        cursor = page.body.data.next_cursor;
      } while (cursor !== null && seen.length < 20);

      expect(seen.every((event) => event.user_id === alice)).toBe(true);
      const created = seen.filter((event) => event.action === 'room.create');
      const reads = seen.filter((event) => event.action === 'room.read');
      expect(created).toHaveLength(1);
      expect(reads).toHaveLength(4);
      const times = seen.map((event) => event.at);
      expect(times).toEqual([...times].sort().reverse());
    });

    it("rejects another user's cursor (400 at query.cursor)", async () => {
      const alice = newUser('alice');
      const bob = newUser('bob');
      for (let i = 0; i < 3; i++) await createRoom(alice, `room ${i}`);
      const page = await listAudit(alice, { limit: '1' });

      const response = await listAudit(bob, { cursor: page.body.data.next_cursor });

      expect(response.status).toBe(400);
      expect(response.body.error.details[0].path).toBe('query.cursor');
    });

    it('rejects a limit out of range', async () => {
      const response = await listAudit(newUser('alice'), { limit: '101' });

      expect(response.status).toBe(400);
      expect(response.body.error.details[0].path).toBe('query.limit');
    });
  });
});
