import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CareGuideApiError,
  type CareGuideClient,
  type ChatStreamEvent,
  createCareGuideClient,
} from '../../client/index';
import { type GatewayProcess, startGatewayProcess } from '../support/gateway-process';

/**
 * The typed client (client/) over real HTTP against a local gateway process: the same requests
 * the web app and the README's quick start make.
 */
let gateway: GatewayProcess;

beforeAll(async () => {
  gateway = await startGatewayProcess({
    LOCAL_MODEL_TOKENS_PER_SECOND: '50',
    LOCAL_MODEL_ANSWER_TOKENS: '100',
    CANCEL_POLL_INTERVAL_MS: '50',
    ROOM_CREATE_LIMIT_PER_HOUR: '100',
  });
});

afterAll(async () => {
  await gateway?.stop();
});

async function signedIn(): Promise<{ client: CareGuideClient; user: string }> {
  const user = `user-${randomUUID().slice(0, 8)}`;
  let token: string | undefined;
  // The token callback is asked before each request: here it signs in the first time.
  const client = createCareGuideClient({
    baseUrl: gateway.url,
    token: async () => {
      token ??= (await client.local.createToken({ user_id: user })).token;
      return token;
    },
  });
  return { client, user };
}

async function collect(stream: AsyncIterable<ChatStreamEvent>) {
  const events: ChatStreamEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

describe('the typed client against the local gateway', () => {
  it('checks health and who is signed in', async () => {
    const { client, user } = await signedIn();

    expect(await client.health.liveness()).toEqual({ status: 'ok' });
    expect((await client.health.get()).components.dynamodb.status).toBe('ok');
    expect(await client.me()).toEqual({ user_id: user });
  });

  it('creates, lists by pages, renames, deletes and restores rooms', async () => {
    const { client } = await signedIn();
    const first = await client.rooms.create({ room_name: 'First' }, { idempotencyKey: randomUUID() });
    await client.rooms.create({ room_name: 'Second', metadata: { color: 'blue' } });
    await client.rooms.create({ room_name: 'Third' });

    const page1 = await client.rooms.list({ limit: 2, sort_by: 'room_name', order: 'asc' });
    const page2 = await client.rooms.list({
      limit: 2,
      sort_by: 'room_name',
      order: 'asc',
      cursor: page1.next_cursor ?? '',
    });
    const renamed = await client.rooms.update(first.room_id, { room_name: '  Renamed  ' });
    const deleted = await client.rooms.delete(first.room_id);
    const gone = await client.rooms.get(first.room_id).catch((error: unknown) => error);
    const restored = await client.rooms.restore(first.room_id);
    const alias = await client.rooms.listViaChatAlias({ limit: 1 });

    expect(page1.rooms.map((room) => room.room_name)).toEqual(['First', 'Second']);
    expect(page1.total).toBe(3);
    expect(page2.rooms.map((room) => room.room_name)).toEqual(['Third']);
    expect(page2.next_cursor).toBeNull();
    expect(renamed.room_name).toBe('Renamed');
    expect(deleted).toMatchObject({ room_id: first.room_id, deleted: true });
    expect(gone).toBeInstanceOf(CareGuideApiError);
    expect(gone).toMatchObject({ status: 404, code: 'ROOM_NOT_FOUND' });
    expect(restored).toMatchObject({ room_id: first.room_id, is_deleted: false });
    expect(alias.total).toBe(3);
  });

  it('streams an answer to completion, and the history holds both turns', async () => {
    const { client } = await signedIn();
    const room = await client.rooms.create({ room_name: 'Sleep' });
    const session = await client.sessions.create({ room_id: room.room_id });

    const stream = client.chat.send({
      query: 'How long should I sleep?',
      session_id: session.session_id,
      room_id: room.room_id,
    });
    const events = await collect(stream);
    const history = await client.rooms.history(room.room_id, { order: 'asc' });

    expect(events[0]).toMatchObject({ status: 'started', request_id: stream.requestId });
    expect(events.at(-1)?.status).toBe('completed');
    const deltas = events.filter((event) => event.status === 'streaming');
    expect(deltas.map((event) => event.seq)).toEqual(deltas.map((_, index) => index + 1));
    expect(history.messages.map((message) => [message.role, message.status])).toEqual([
      ['user', 'complete'],
      ['assistant', 'complete'],
    ]);
    expect(history.messages[1]?.content).toBe(stream.text);
  });

  it('stops an answer mid-stream: the cancelled event carries exactly the text streamed', async () => {
    const { client } = await signedIn();
    const room = await client.rooms.create({ room_name: 'Stop me' });
    const session = await client.sessions.create({ room_id: room.room_id });
    const stream = client.chat.send({
      query: 'Tell me everything',
      session_id: session.session_id,
      room_id: room.room_id,
    });
    let stopped: Awaited<ReturnType<typeof stream.stop>> | undefined;

    for await (const event of stream) {
      if (event.status === 'streaming' && event.seq === 3) stopped = await stream.stop();
    }

    expect(stopped).toMatchObject({
      session_id: session.session_id,
      stopped: true,
      stream_id: stream.streamId,
    });
    expect(stream.result).toEqual({ status: 'cancelled', partial_response: stream.text });
    expect((await client.rooms.history(room.room_id, { order: 'asc' })).messages[1]).toMatchObject({
      status: 'cancelled',
      content: stream.text,
    });
  });

  it('resets an agent, clears the history and deletes the session', async () => {
    const { client } = await signedIn();
    const room = await client.rooms.create({ room_name: 'Housekeeping' });
    const session = await client.sessions.create({ room_id: room.room_id, agent_type: 'nutrition' });
    await collect(
      client.chat.send({
        query: 'Breakfast?',
        session_id: session.session_id,
        room_id: room.room_id,
        agent_type: 'nutrition',
      }),
    );

    const reset = await client.sessions.reset(session.session_id, { agent_type: 'nutrition' });
    const cleared = await client.sessions.clearHistory(session.session_id);
    const history = await client.rooms.history(room.room_id);
    const deleted = await client.sessions.delete(session.session_id);

    expect(reset).toEqual({ session_id: session.session_id, reset_agents: ['nutrition'] });
    expect(cleared).toEqual({ session_id: session.session_id, room_id: room.room_id, cleared: true });
    expect(history.messages).toEqual([]);
    expect(deleted).toEqual({ session_id: session.session_id, deleted: true });
  });

  it('exports a room as Markdown, round-trips the settings, lists its audit trail, deletes the account', async () => {
    const { client, user } = await signedIn();
    const room = await client.rooms.create({ room_name: 'Sleep notes' });
    const session = await client.sessions.create({ room_id: room.room_id });
    await collect(
      client.chat.send({
        query: 'How long should I sleep?',
        session_id: session.session_id,
        room_id: room.room_id,
      }),
    );

    const markdown = await client.rooms.export(room.room_id, { format: 'markdown' });
    const json = await client.rooms.export(room.room_id);
    const updated = await client.account.updateSettings({ retention_days: 90 });
    const settings = await client.account.settings();
    const everything = await client.account.export();
    const trail = await client.account.audit({ limit: 100 });
    const deleted = await client.account.delete();
    const rooms = await client.rooms.list();

    expect(markdown.filename).toBe(`room-${room.room_id}.md`);
    expect(markdown.contentType).toMatch(/^text\/markdown/);
    expect(markdown.text).toMatch(/^# Sleep notes\n/);
    expect(markdown.text).toContain('How long should I sleep?');
    expect(json.filename).toBe(`room-${room.room_id}.json`);
    expect(JSON.parse(json.text).messages).toHaveLength(2);
    expect(updated).toMatchObject({ retention_days: 90, source: 'user' });
    expect(settings).toEqual(updated);
    expect(everything.filename).toBe('careguide-export.json');
    expect(JSON.parse(everything.text)).toMatchObject({
      user_id: user,
      rooms: [{ room: { room_id: room.room_id } }],
    });
    expect(trail.events.every((event) => event.user_id === user)).toBe(true);
    expect(trail.events.map((event) => event.action)).toEqual(
      expect.arrayContaining(['room.create', 'export.room', 'settings.update', 'export.account']),
    );
    expect(deleted.deleted).toBe(true);
    expect(rooms).toMatchObject({ rooms: [], total: 0 });
  });

  it('throws typed errors: the envelope before a stream, and the gateway’s bare 401', async () => {
    const { client } = await signedIn();
    const room = await client.rooms.create({ room_name: 'Errors' });
    const anonymous = createCareGuideClient({ baseUrl: gateway.url, token: () => undefined });

    const invalid = await client.rooms.create({ room_name: '   ' }).catch((error: unknown) => error);
    const unknownSession = await collect(
      client.chat.send({ query: 'Hello?', session_id: 'sess_missing', room_id: room.room_id }),
    ).catch((error: unknown) => error);
    const unauthorized = await anonymous.rooms.list().catch((error: unknown) => error);
    const streamUnauthorized = await collect(
      anonymous.chat.send({ query: 'Hello?', session_id: 'sess_x', room_id: room.room_id }),
    ).catch((error: unknown) => error);

    expect(invalid).toMatchObject({ status: 400, code: 'VALIDATION_ERROR' });
    expect((invalid as CareGuideApiError).details[0]?.path).toBe('body.room_name');
    expect(unknownSession).toMatchObject({ status: 404, code: 'SESSION_NOT_FOUND' });
    expect(unauthorized).toMatchObject({ status: 401, code: 'UNAUTHORIZED', message: 'Unauthorized' });
    expect(streamUnauthorized).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
  });
});
