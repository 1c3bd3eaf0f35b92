import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { createActiveStreamsRepository } from '../../../shared/data/active-streams-repository';
import { keys } from '../../../shared/data/keys';
import type { NewStream } from '../../../shared/domain/chat/ports';
import { ManualClock } from '../../../shared/domain/clock';
import { newUser, streamsTableName, testDocumentClient } from '../../support/rooms-fixtures';

const LEASE_SECONDS = 300;

// Real time as the start: DynamoDB Local applies TTL, and would delete items of a clock set in the past.
function repository(clock = new ManualClock(new Date())) {
  return {
    clock,
    streams: createActiveStreamsRepository({
      client: testDocumentClient(),
      tableName: streamsTableName(),
      clock,
      maxLiveStreams: 5,
      leaseSeconds: LEASE_SECONDS,
    }),
  };
}

const newStream = (userId: string, clock: ManualClock, overrides: Partial<NewStream> = {}): NewStream => {
  const id = randomUUID().replaceAll('-', '');
  return {
    userId,
    streamId: `stream_${id}`,
    requestId: `req_${id}`,
    sessionId: 'sess_a',
    roomId: 'room_a',
    agentType: 'general',
    messageId: `msg_${id}_a`,
    requestedAt: clock.now(),
    deadlineAt: new Date(clock.now().getTime() + 600_000),
    sessionCreatedAt: clock.now().toISOString(),
    ...overrides,
  };
};

type Repo = ReturnType<typeof repository>['streams'];

async function register(streams: Repo, stream: NewStream) {
  const admission = await streams.admission(stream.userId, stream);
  return streams.register(stream, admission);
}

/** Registers a stream that must get in, and hands back its handle. */
async function start(streams: Repo, stream: NewStream) {
  const outcome = await register(streams, stream);
  if (outcome.kind !== 'registered') throw new Error(`not registered: ${outcome.kind}`);
  return outcome.handle;
}

describe('ActiveStreams slots (at most 5 live streams per user)', () => {
  it('admits five streams and reports no free slot to the sixth (the use case answers 429)', async () => {
    const { streams, clock } = repository();
    const user = newUser();
    for (let index = 0; index < 5; index++) await start(streams, newStream(user, clock));

    const admission = await streams.admission(user, newStream(user, clock));
    const stale = { freeSlots: [0, 1, 2, 3, 4] };

    expect(admission.freeSlots).toEqual([]);
    expect(await streams.register(newStream(user, clock), stale)).toEqual({ kind: 'no-free-slot' });
  });

  it('lets exactly five of 20 parallel registrations of one user in', async () => {
    const { streams, clock } = repository();
    const user = newUser();

    const outcomes = await Promise.all(
      Array.from({ length: 20 }, () => register(streams, newStream(user, clock))),
    );

    const admitted = outcomes.flatMap((outcome) => (outcome.kind === 'registered' ? [outcome.handle] : []));
    const refused = outcomes.filter((outcome) => outcome.kind !== 'registered');
    expect(admitted).toHaveLength(5);
    expect(refused).toHaveLength(15);
    for (const outcome of refused) expect(outcome).toEqual({ kind: 'no-free-slot' });
    expect(new Set(admitted.map((handle) => handle.slot)).size).toBe(5);
  });

  it("frees a crashed stream's slot once its lease lapses, and not a millisecond before", async () => {
    const { streams, clock } = repository();
    const user = newUser();
    for (let index = 0; index < 5; index++) await start(streams, newStream(user, clock));

    clock.advance(LEASE_SECONDS * 1000);
    const atExpiry = await streams.admission(user, newStream(user, clock));
    clock.advance(1);
    const after = await streams.admission(user, newStream(user, clock));
    const taken = await start(streams, newStream(user, clock));

    expect(atExpiry.freeSlots).toEqual([]);
    expect(after.freeSlots).toHaveLength(5);
    expect(taken.slot).toBeGreaterThanOrEqual(0);
    expect(await streams.liveStreams(user)).toHaveLength(1);
  });

  it('keeps the slot of a stream that renews its lease, however long it runs', async () => {
    const { streams, clock } = repository();
    const user = newUser();
    const handle = await start(streams, newStream(user, clock));

    for (let step = 0; step < 4; step++) {
      clock.advance(150_000);
      expect(await streams.renewLease(handle)).toBe('live');
      expect(await streams.poll(handle)).toEqual({ state: 'live' });
    }
    clock.advance(150_000);

    const admission = await streams.admission(user, newStream(user, clock));
    expect(admission.freeSlots).toHaveLength(4);
    expect((await streams.liveStreams(user)).map((stream) => stream.streamId)).toEqual([handle.streamId]);
  });

  it('frees the slot, ends the stream record and records the outcome when a stream finishes', async () => {
    const { streams, clock } = repository();
    const user = newUser();
    const stream = newStream(user, clock);
    const handle = await start(streams, stream);

    await streams.finish(handle, { status: 'complete', lastSeq: 0, terminal: { status: 'cancelled' } });

    expect((await streams.admission(user, newStream(user, clock))).freeSlots).toHaveLength(5);
    expect(await streams.getStream(user, stream.streamId)).toBeUndefined();
    expect(await streams.getRequest(user, stream.requestId)).toMatchObject({
      status: 'complete',
      streamId: stream.streamId,
    });
    expect(await streams.requestCancel(user, stream.streamId, 'stop')).toBeUndefined();
    expect(await streams.getRecord(user, stream.streamId)).toMatchObject({ status: 'complete', lastSeq: 0 });
    expect(await streams.poll(handle)).toEqual({ state: 'lost' });
  });

  it('does not free a slot that another stream took over after its lease lapsed', async () => {
    const { streams, clock } = repository();
    const user = newUser();
    const crashed = await start(streams, newStream(user, clock));
    for (let index = 0; index < 4; index++) await start(streams, newStream(user, clock));
    clock.advance(LEASE_SECONDS * 1000 + 1);
    const successor = await start(streams, newStream(user, clock));
    // The other four lapsed too: keep only the successor's lease fresh for the check below.
    clock.advance(1);

    await streams.finish(crashed, { status: 'interrupted', lastSeq: 0, terminal: { status: 'cancelled' } });

    const slot = await testDocumentClient().send(
      new GetCommand({
        TableName: streamsTableName(),
        Key: keys.streamSlot(user, successor.slot),
        ConsistentRead: true,
      }),
    );
    expect(successor.slot === crashed.slot ? slot.Item?.stream_id : successor.streamId).toBe(
      successor.streamId,
    );
  });
});

describe('ActiveStreams chat requests', () => {
  it('reports a second registration of one request_id as taken (the use case answers 409), even in parallel', async () => {
    const { streams, clock } = repository();
    const user = newUser();
    const first = newStream(user, clock, { requestId: 'same-request' });
    const second = newStream(user, clock, { requestId: 'same-request' });
    const emptyAdmission = { freeSlots: [0, 1, 2, 3, 4] };

    const outcomes = await Promise.all([
      streams.register(first, emptyAdmission),
      streams.register(second, emptyAdmission),
    ]);

    expect(outcomes.filter((outcome) => outcome.kind === 'registered')).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome.kind === 'request-taken')).toHaveLength(1);
    expect((await streams.admission(user, first)).existingRequest).toMatchObject({ status: 'running' });
  });
});

describe('ActiveStreams cancel flag and stream log', () => {
  it('keeps the log in chunks that replay every delta in order, once, and ends the record with its terminal event', async () => {
    const { streams, clock } = repository();
    const user = newUser();
    const handle = await start(streams, newStream(user, clock));

    await streams.appendLog(handle, [
      { seq: 1, content: 'Hel' },
      { seq: 2, content: 'lo' },
    ]);
    await streams.appendLog(handle, [{ seq: 3, content: ' there' }]);
    // A retried chunk (its first write landed, its answer was lost) is written once.
    await streams.appendLog(handle, [{ seq: 3, content: ' there' }]);
    const whileRunning = await streams.getRecord(user, handle.streamId);
    await streams.finish(handle, { status: 'cancelled', lastSeq: 3, terminal: { status: 'cancelled' } });

    expect(whileRunning).toMatchObject({ status: 'running' });
    expect(await streams.readLog(user, handle.streamId)).toEqual([
      { seq: 1, content: 'Hel' },
      { seq: 2, content: 'lo' },
      { seq: 3, content: ' there' },
    ]);
    expect(await streams.readLog(user, handle.streamId, 3)).toEqual([{ seq: 3, content: ' there' }]);
    expect(await streams.lastLoggedSeq(user, handle.streamId)).toBe(3);
    expect(await streams.getRecord(user, handle.streamId)).toMatchObject({
      status: 'cancelled',
      lastSeq: 3,
      terminal: { status: 'cancelled' },
    });
    expect(await streams.getRecord(newUser(), handle.streamId)).toBeUndefined();
  });

  it('finds a stream whose lease lapsed through its slot and through the sharded running index (no Scan)', async () => {
    const { streams, clock } = repository();
    const user = newUser();
    const stream = newStream(user, clock, { roomId: 'room_lapsed' });
    const handle = await start(streams, stream);
    expect(await streams.lapsedStreams(user, { roomId: 'room_lapsed' })).toEqual([]);

    clock.advance(LEASE_SECONDS * 1000 + 1);
    const record = await streams.getRecord(user, handle.streamId);
    const shard = keys.runningShardOf(handle.streamId);

    expect(await streams.lapsedStreams(user, { roomId: 'room_lapsed' })).toEqual([handle.streamId]);
    expect(await streams.lapsedStreams(user, { roomId: 'room_other' })).toEqual([]);
    expect(await streams.lapsedStreamsInShard(shard, clock.now())).toContainEqual({
      userId: user,
      streamId: handle.streamId,
    });
    if (!record) throw new Error('record missing');
    expect(
      await streams.markInterrupted(record, {
        status: 'interrupted',
        lastSeq: 0,
        terminal: { status: 'cancelled' },
      }),
    ).toBe(true);
    // A second recoverer (or the loop, come back) finds it ended.
    expect(
      await streams.markInterrupted(record, {
        status: 'interrupted',
        lastSeq: 0,
        terminal: { status: 'cancelled' },
      }),
    ).toBe(false);
    expect(await streams.lapsedStreamsInShard(shard, clock.now())).not.toContainEqual({
      userId: user,
      streamId: handle.streamId,
    });
    expect(await streams.renewLease(handle)).toBe('lost');
  });

  it('reports a stop at the next poll, with the time of the first stop', async () => {
    const { streams, clock } = repository();
    const user = newUser();
    const handle = await start(streams, newStream(user, clock));
    const stopAt = clock.now();

    const first = await streams.requestCancel(user, handle.streamId, 'stop');
    clock.advance(30);
    const second = await streams.requestCancel(user, handle.streamId, 'room');
    clock.advance(30);
    const outcome = await streams.poll(handle);

    expect(first).toMatchObject({ cancel: { reason: 'stop', requestedAt: stopAt } });
    expect(second).toMatchObject({ cancel: { reason: 'stop', requestedAt: stopAt } });
    expect(outcome).toEqual({ state: 'cancelled', cancel: { reason: 'stop', requestedAt: stopAt } });
  });

  it('flags only the streams of the room or session being deleted', async () => {
    const { streams, clock } = repository();
    const user = newUser();
    const inRoom = await start(streams, newStream(user, clock, { roomId: 'room_x', sessionId: 'sess_1' }));
    const inSession = await start(streams, newStream(user, clock, { roomId: 'room_y', sessionId: 'sess_2' }));
    const other = await start(streams, newStream(user, clock, { roomId: 'room_y', sessionId: 'sess_3' }));

    const byRoom = await streams.cancelStreams(user, { roomId: 'room_x' });
    const bySession = await streams.cancelStreams(user, { sessionId: 'sess_2' });
    const ofAnotherUser = await streams.cancelStreams(newUser(), { roomId: 'room_y' });

    expect(byRoom).toEqual([inRoom.streamId]);
    expect(bySession).toEqual([inSession.streamId]);
    expect(ofAnotherUser).toEqual([]);
    expect(await streams.poll(inRoom)).toMatchObject({
      state: 'cancelled',
      cancel: { reason: 'room' },
    });
    expect(await streams.poll(inSession)).toMatchObject({
      state: 'cancelled',
      cancel: { reason: 'session' },
    });
    expect(await streams.poll(other)).toEqual({ state: 'live' });
  });
});

describe('ActiveStreams stop tombstones', () => {
  it('cancels a stream of the tombstoned request_id the moment it registers', async () => {
    const { streams, clock } = repository();
    const user = newUser();
    const stoppedAt = await streams.leaveTombstone(user, { requestId: 'early-stop' });
    clock.advance(20);

    const handle = await start(streams, newStream(user, clock, { requestId: 'early-stop' }));

    expect(handle.cancel).toEqual({ reason: 'stop', requestedAt: stoppedAt });
    expect(await streams.poll(handle)).toMatchObject({ state: 'cancelled' });
  });

  it('applies a session tombstone to a request that arrived before the stop, never to one that came after it', async () => {
    const { streams, clock } = repository();
    const user = newUser();
    const arrivedBefore = clock.now();
    clock.advance(10);
    await streams.leaveTombstone(user, { sessionId: 'sess_t' });
    clock.advance(10);

    const inFlight = await start(
      streams,
      newStream(user, clock, { sessionId: 'sess_t', requestedAt: arrivedBefore }),
    );
    const later = await start(streams, newStream(user, clock, { sessionId: 'sess_t' }));

    expect(inFlight.cancel).toMatchObject({ reason: 'stop' });
    expect(later.cancel).toBeUndefined();
  });

  it('forgets a tombstone after 60 seconds (by time, whatever TTL has not deleted yet)', async () => {
    const { streams, clock } = repository();
    const user = newUser();
    await streams.leaveTombstone(user, { requestId: 'old-stop' });
    clock.advance(60_000);

    const handle = await start(streams, newStream(user, clock, { requestId: 'old-stop' }));

    expect(handle.cancel).toBeUndefined();
  });

  it('catches a tombstone written between the admission read and the registration (checked in the transaction)', async () => {
    const { streams, clock } = repository();
    const user = newUser();
    const stream = newStream(user, clock, { requestId: 'racing-stop' });
    const admission = await streams.admission(user, stream);
    await testDocumentClient().send(
      new PutCommand({
        TableName: streamsTableName(),
        Item: {
          ...keys.stopTombstone(user, { requestId: 'racing-stop' }),
          created_at: clock.now().getTime(),
          expires_at: clock.now().getTime() + 60_000,
        },
      }),
    );

    const outcome = await streams.register(stream, admission);

    expect(admission.tombstone).toBeUndefined();
    expect(outcome.kind === 'registered' && outcome.handle.cancel).toMatchObject({
      reason: 'stop',
      requestedAt: clock.now(),
    });
  });
});
