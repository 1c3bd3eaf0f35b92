import { describe, expect, it } from 'vitest';
import { handler as exportAccountHandler } from '../../../functions/account/export-account';
import { handler as exportRoomHandler } from '../../../functions/account/export-room';
import { ManualClock } from '../../../shared/domain/clock';
import { createRoom } from '../../../shared/domain/rooms/create-room';
import { deleteRoom } from '../../../shared/domain/rooms/delete-room';
import { clearSessionHistory } from '../../../shared/domain/sessions/clear-history';
import { createSession } from '../../../shared/domain/sessions/create-session';
import { storedAuditEvents } from '../../support/account-fixtures';
import { invoke } from '../../support/api-event';
import { newUser, roomDeps, seedMessages, sessionDeps } from '../../support/rooms-fixtures';
import { invokeStream } from '../../support/stream-invoke';
import { tokenFor } from '../../support/test-keys';

const at = (second: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString();

const exportRoom = (sub: string, roomId: string, query: Record<string, string> = {}) =>
  invoke(exportRoomHandler, {
    sub,
    path: `/api/rooms/${roomId}/export`,
    pathParameters: { room_id: roomId },
    query,
  });

async function roomWithMessages(count: number) {
  const clock = new ManualClock(at(0));
  const alice = newUser('alice');
  const room = (await createRoom(roomDeps(clock), { userId: alice, body: { room_name: 'Blood pressure' } }))
    .room;
  const messages = await seedMessages(
    alice,
    room.room_id,
    Array.from({ length: count }, (_, i) => ({ created_at: at(1 + i) })),
  );
  return { alice, room, messages, clock };
}

describe('GET /api/rooms/{room_id}/export', () => {
  it('downloads the room and every message, oldest first, as JSON', async () => {
    const { alice, room, messages } = await roomWithMessages(130);

    const response = await exportRoom(alice, room.room_id);

    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.headers['content-disposition']).toBe(`attachment; filename="room-${room.room_id}.json"`);
    expect(response.body.room).toMatchObject({ room_id: room.room_id, room_name: 'Blood pressure' });
    expect(response.body.messages).toEqual(messages);
  });

  it('downloads Markdown a person can read: title, dates, each message with role, agent and status', async () => {
    const { alice, room, messages } = await roomWithMessages(2);

    const response = await exportRoom(alice, room.room_id, { format: 'markdown' });

    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('text/markdown; charset=utf-8');
    expect(response.headers['content-disposition']).toBe(`attachment; filename="room-${room.room_id}.md"`);
    const text = response.rawBody;
    expect(text.startsWith('# Blood pressure\n')).toBe(true);
    expect(text).toContain(`- Created: ${room.created_at}`);
    expect(text).toContain('- Messages: 2');
    expect(text).toContain('### You · general · complete');
    expect(text).toContain('### Assistant · general · complete');
    expect(text).toContain(`_${messages[1]?.created_at}_`);
    expect(text.indexOf('message 0')).toBeLessThan(text.indexOf('message 1'));
  });

  it('leaves out messages a clear-history hid', async () => {
    const { alice, room, clock } = await roomWithMessages(3);
    const session = await createSession(sessionDeps(clock), alice, { room_id: room.room_id });
    clock.set(at(10));
    await clearSessionHistory(sessionDeps(clock), alice, session.session_id, undefined);
    const later = await seedMessages(alice, room.room_id, [{ created_at: at(11) }]);

    const response = await exportRoom(alice, room.room_id);

    expect(response.body.messages).toEqual(later);
  });

  it("answers 404 for another user's room, and for a deleted one", async () => {
    const { alice, room, clock } = await roomWithMessages(1);

    expect((await exportRoom(newUser('bob'), room.room_id)).status).toBe(404);
    await deleteRoom(roomDeps(clock), alice, room.room_id);
    const deleted = await exportRoom(alice, room.room_id);
    expect(deleted.status).toBe(404);
    expect(deleted.body.error.code).toBe('ROOM_NOT_FOUND');
  });

  it('rejects an unknown format (400) and records the export in the audit trail', async () => {
    const { alice, room } = await roomWithMessages(1);

    const bad = await exportRoom(alice, room.room_id, { format: 'pdf' });
    await exportRoom(alice, room.room_id, { format: 'markdown' });

    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe('query.format');
    const exports = (await storedAuditEvents(alice)).filter((event) => event.action === 'export.room');
    expect(exports.map((event) => event.outcome).sort()).toEqual(['VALIDATION_ERROR', 'success']);
  });
});

describe('GET /api/me/export (streamed)', () => {
  it('streams one JSON document: settings, every room (live and restorable) with its messages, every session', async () => {
    const clock = new ManualClock(at(0));
    const alice = newUser('alice');
    const live = (await createRoom(roomDeps(clock), { userId: alice, body: { room_name: 'live' } })).room;
    const gone = (await createRoom(roomDeps(clock), { userId: alice, body: { room_name: 'restorable' } }))
      .room;
    const liveMessages = await seedMessages(alice, live.room_id, [
      { created_at: at(1) },
      { created_at: at(2) },
    ]);
    const goneMessages = await seedMessages(alice, gone.room_id, [{ created_at: at(3) }]);
    const session = await createSession(sessionDeps(clock), alice, { room_id: live.room_id });
    await deleteRoom(roomDeps(clock), alice, gone.room_id);
    await createRoom(roomDeps(clock), { userId: newUser('bob'), body: { room_name: 'not yours' } });

    const invocation = invokeStream(exportAccountHandler, {
      method: 'GET',
      path: '/api/me/export',
      token: tokenFor(alice),
    });
    await invocation.done;

    expect(invocation.status()).toBe(200);
    expect(invocation.headers()['content-disposition']).toBe('attachment; filename="careguide-export.json"');
    const document = JSON.parse(invocation.body());
    expect(document).toMatchObject({
      format: 'careguide-export/1',
      user_id: alice,
      settings: { retention_days: 30, source: 'default' },
    });
    const byName = Object.fromEntries(
      document.rooms.map((entry: { room: { room_name: string } }) => [entry.room.room_name, entry]),
    );
    expect(Object.keys(byName).sort()).toEqual(['live', 'restorable']);
    expect(byName.live.messages).toEqual(liveMessages);
    expect(byName.restorable.room.is_deleted).toBe(true);
    expect(byName.restorable.messages).toEqual(goneMessages);
    expect(document.sessions.map((s: { session_id: string }) => s.session_id)).toEqual([session.session_id]);
  });

  it('answers 401 in the envelope without a valid token', async () => {
    const invocation = invokeStream(exportAccountHandler, { method: 'GET', path: '/api/me/export' });
    await invocation.done;

    expect(invocation.status()).toBe(401);
    expect(invocation.json().error.code).toBe('UNAUTHORIZED');
  });
});
