import { describe, expect, it } from 'vitest';
import { handler as deleteRoomHandler } from '../../../functions/rooms/delete-room';
import { handler as getRoomHandler } from '../../../functions/rooms/get-room';
import { handler as historyHandler } from '../../../functions/rooms/get-room-history';
import { ManualClock } from '../../../shared/domain/clock';
import { createRoom } from '../../../shared/domain/rooms/create-room';
import { clearSessionHistory } from '../../../shared/domain/sessions/clear-history';
import { createSession } from '../../../shared/domain/sessions/create-session';
import { invoke } from '../../support/api-event';
import { newUser, roomDeps, seedMessages, sessionDeps } from '../../support/rooms-fixtures';

const at = (second: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString();

const history = (sub: string, roomId: string, query: Record<string, string> = {}) =>
  invoke(historyHandler, {
    sub,
    path: `/api/rooms/${roomId}/history`,
    pathParameters: { room_id: roomId },
    query,
  });

async function roomWith(specs: Parameters<typeof seedMessages>[2]) {
  const clock = new ManualClock(at(0));
  const alice = newUser('alice');
  const room = (await createRoom(roomDeps(clock), { userId: alice, body: { room_name: 'history' } })).room;
  const messages = await seedMessages(alice, room.room_id, specs);
  return { alice, room, messages, clock };
}

async function walk(sub: string, roomId: string, query: Record<string, string>): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const response = await history(sub, roomId, { ...query, ...(cursor ? { cursor } : {}) });
    expect(response.status).toBe(200);
    ids.push(...response.body.data.messages.map((message: { message_id: string }) => message.message_id));
    cursor = response.body.data.next_cursor;
  } while (cursor !== null);
  return ids;
}

describe('GET /api/rooms/{room_id}/history', () => {
  it('answers the messages newest first by default, as ConversationItems', async () => {
    const { alice, room, messages } = await roomWith([{ created_at: at(1) }, { created_at: at(2) }]);

    const response = await history(alice, room.room_id);

    expect(response.status).toBe(200);
    expect(response.body.data).toEqual({
      room_id: room.room_id,
      messages: [...messages].reverse(),
      next_cursor: null,
    });
  });

  it.each(['asc', 'desc'])('walks every message exactly once, %s, with ties in created_at', async (order) => {
    const specs = Array.from({ length: 23 }, (_, i) => ({ created_at: at(1 + Math.floor(i / 2)) }));
    const { alice, room, messages } = await roomWith(specs);
    const sorted = [...messages].sort((a, b) =>
      `${a.created_at}#${a.message_id}` < `${b.created_at}#${b.message_id}` ? -1 : 1,
    );

    const ids = await walk(alice, room.room_id, { limit: '5', order });

    expect(ids).toEqual((order === 'asc' ? sorted : sorted.reverse()).map((message) => message.message_id));
  });

  it('filters by agent_type, still walking every page when most messages are of another agent', async () => {
    // Gaps of 28 messages: more than one request reads (10 pages of limit + 1), so some pages come
    // back empty with a cursor, and the walk must go on.
    const specs = Array.from({ length: 59 }, (_, i) => ({
      created_at: at(i + 1),
      agent_type: i % 29 === 0 ? 'nutrition' : 'medication',
    }));
    const { alice, room, messages } = await roomWith(specs);

    const ids = await walk(alice, room.room_id, { limit: '1', order: 'asc', agent_type: 'nutrition' });

    expect(ids).toEqual(
      messages.filter((message) => message.agent_type === 'nutrition').map((m) => m.message_id),
    );
  });

  it.each([
    ['an unknown agent_type', { agent_type: 'surgeon' }, 'query.agent_type'],
    ['limit 0', { limit: '0' }, 'query.limit'],
    ['limit 101', { limit: '101' }, 'query.limit'],
    ['a garbage cursor', { cursor: 'not-a-cursor' }, 'query.cursor'],
    ['an unknown parameter', { since: 'yesterday' }, 'query'],
  ])('answers 400 VALIDATION_ERROR for %s', async (_case, query, path) => {
    const { alice, room } = await roomWith([]);

    const response = await history(alice, room.room_id, query);

    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('VALIDATION_ERROR');
    expect(response.body.error.details[0].path).toBe(path);
  });

  it("answers 400 for a cursor of another room, another order or another user's", async () => {
    const first = await roomWith([{ created_at: at(1) }, { created_at: at(2) }]);
    const cursor = (await history(first.alice, first.room.room_id, { limit: '1' })).body.data.next_cursor;
    const second = (
      await createRoom(roomDeps(new ManualClock()), { userId: first.alice, body: { room_name: 'b' } })
    ).room;
    const bob = newUser('bob');

    const otherRoom = await history(first.alice, second.room_id, { cursor });
    const otherOrder = await history(first.alice, first.room.room_id, { cursor, order: 'asc' });
    const otherUser = await history(bob, first.room.room_id, { cursor });

    expect(cursor).toEqual(expect.any(String));
    for (const response of [otherRoom, otherOrder, otherUser]) {
      expect(response.status).toBe(400);
      expect(response.body.error.details[0].path).toBe('query.cursor');
    }
  });

  it('answers 404 ROOM_NOT_FOUND for a deleted room and one that does not exist', async () => {
    const { alice, room } = await roomWith([{ created_at: at(1) }]);
    await invoke(deleteRoomHandler, {
      method: 'DELETE',
      sub: alice,
      pathParameters: { room_id: room.room_id },
    });

    const deleted = await history(alice, room.room_id);
    const missing = await history(alice, 'room_missing');

    expect(deleted.status).toBe(404);
    expect(deleted.body.error.code).toBe('ROOM_NOT_FOUND');
    expect(missing.status).toBe(404);
  });
});

describe('history after a clear', () => {
  async function clearedRoom(agentType?: 'medication') {
    const { alice, room, clock } = await roomWith([]);
    const before = await seedMessages(alice, room.room_id, [
      { created_at: at(1), agent_type: 'general' },
      { created_at: at(2), agent_type: 'medication' },
      { created_at: at(3), agent_type: 'general' },
    ]);
    const deps = sessionDeps(clock);
    const session = await createSession(deps, alice, { room_id: room.room_id });
    clock.set(at(3));
    await clearSessionHistory(deps, alice, session.session_id, agentType);
    const after = await seedMessages(alice, room.room_id, [
      { created_at: at(4), agent_type: 'medication' },
      { created_at: at(5), agent_type: 'general' },
    ]);
    return { alice, room, before, after };
  }

  it('hides every message at or before the watermark at once; later messages show', async () => {
    const { alice, room, after } = await clearedRoom();

    const ids = await walk(alice, room.room_id, { order: 'asc' });

    expect(ids).toEqual(after.map((message) => message.message_id));
  });

  it("hides only that agent's earlier messages after a per-agent clear", async () => {
    const { alice, room, before, after } = await clearedRoom('medication');

    const all = await walk(alice, room.room_id, { order: 'asc' });
    const medication = await walk(alice, room.room_id, { order: 'asc', agent_type: 'medication' });

    expect(all).toEqual([before[0], before[2], ...after].map((message) => message?.message_id));
    expect(medication).toEqual([after[0]?.message_id]);
  });

  it('continues a cursor made before the clear without showing what it hid', async () => {
    const { alice, room, clock } = await roomWith([]);
    const old = await seedMessages(
      alice,
      room.room_id,
      Array.from({ length: 6 }, (_, i) => ({ created_at: at(i + 1) })),
    );
    const firstPage = await history(alice, room.room_id, { limit: '2', order: 'asc' });
    const descPage = await history(alice, room.room_id, { limit: '2', order: 'desc' });
    const deps = sessionDeps(clock);
    const session = await createSession(deps, alice, { room_id: room.room_id });
    clock.set(at(6));
    await clearSessionHistory(deps, alice, session.session_id, undefined);
    const fresh = await seedMessages(alice, room.room_id, [{ created_at: at(7) }]);

    const ascNext = await history(alice, room.room_id, {
      order: 'asc',
      cursor: firstPage.body.data.next_cursor,
    });
    const descNext = await history(alice, room.room_id, {
      order: 'desc',
      cursor: descPage.body.data.next_cursor,
    });

    expect(old).toHaveLength(6);
    expect(ascNext.body.data).toMatchObject({ messages: fresh, next_cursor: null });
    expect(descNext.body.data).toMatchObject({ messages: [], next_cursor: null });
  });

  it("resets the count and preview when every agent is cleared, and hides a cleared agent's preview", async () => {
    const preview = async (agentType: 'general' | 'medication' | undefined, lastAgent: string) => {
      const { alice, room, clock } = await roomWith([]);
      await seedMessages(alice, room.room_id, [
        { created_at: at(1), agent_type: 'general' },
        { created_at: at(2), agent_type: lastAgent },
      ]);
      const deps = sessionDeps(clock);
      const session = await createSession(deps, alice, { room_id: room.room_id });
      clock.set(at(3));
      await clearSessionHistory(deps, alice, session.session_id, agentType);
      const response = await invoke(getRoomHandler, {
        sub: alice,
        pathParameters: { room_id: room.room_id },
      });
      return response.body.data;
    };

    const everyAgent = await preview(undefined, 'general');
    const sameAgent = await preview('medication', 'medication');
    const otherAgent = await preview('medication', 'general');

    expect(everyAgent).toMatchObject({ message_count: 0, last_message_preview: null });
    expect(sameAgent.last_message_preview).toBeNull();
    expect(otherAgent.last_message_preview).toBe('message 1');
  });
});
