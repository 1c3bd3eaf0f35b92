import { describe, expect, it } from 'vitest';
import type { NewStream } from '../../../shared/domain/chat/ports';
import { stopStream } from '../../../shared/domain/chat/stop-stream';
import { ManualClock } from '../../../shared/domain/clock';
import type { RoomRepository } from '../../../shared/domain/rooms/ports';
import type { SessionRepository } from '../../../shared/domain/sessions/ports';
import { sessionPolicy } from '../../../shared/domain/sessions/session-policy';
import { FakeActiveStreams, roomRecord, sessionRecord } from '../../support/chat-fakes';

function setup() {
  const clock = new ManualClock('2026-01-01T00:05:00.000Z');
  const activeStreams = new FakeActiveStreams(clock);
  const sessions = { find: async (userId: string) => (userId === 'alice' ? sessionRecord() : undefined) };
  const rooms = { find: async () => roomRecord() };
  const deps = {
    sessions: sessions as unknown as SessionRepository,
    rooms: rooms as unknown as RoomRepository,
    clock,
    policy: sessionPolicy,
    activeStreams,
    settings: { pollIntervalMs: 100 },
    // Time is injected: a wait moves the clock (the loop is not running in these tests).
    sleep: async (ms: number) => {
      waits.push(ms);
      await onWait?.();
      clock.advance(ms);
    },
  };
  const waits: number[] = [];
  let onWait: (() => Promise<void>) | undefined;
  const whileWaiting = (hook: () => Promise<void>) => {
    onWait = hook;
  };
  const register = async (overrides: Partial<NewStream> = {}) => {
    const outcome = await activeStreams.register(
      {
        userId: 'alice',
        streamId: 'stream_1',
        requestId: 'req_1',
        sessionId: 'sess_1',
        roomId: 'room_1',
        agentType: 'general',
        messageId: 'msg_1_a',
        requestedAt: clock.now(),
        deadlineAt: clock.now(),
        sessionCreatedAt: clock.now().toISOString(),
        ...overrides,
      },
      { freeSlots: [0] },
    );
    if (outcome.kind !== 'registered') throw new Error(`not registered: ${outcome.kind}`);
    return outcome.handle;
  };
  return { deps, activeStreams, register, clock, waits, whileWaiting };
}

describe('stopping a stream', () => {
  it("waits for the stream's loop to end it and answers with its final text, the cancelled event's", async () => {
    const { deps, activeStreams, register, whileWaiting } = setup();
    const handle = await register();
    await activeStreams.appendLog(handle, [{ seq: 1, content: 'Hel' }]);
    // The loop sees the flag at its next poll, logs what it sent since its last flush, and ends.
    whileWaiting(async () => {
      if ((await activeStreams.getRecord('alice', 'stream_1'))?.status !== 'running') return;
      await activeStreams.appendLog(handle, [{ seq: 2, content: 'lo' }]);
      await activeStreams.finish(handle, {
        status: 'cancelled',
        lastSeq: 2,
        terminal: { status: 'cancelled' },
      });
    });

    const result = await stopStream(deps, 'alice', 'sess_1', {});

    expect(result).toEqual({
      session_id: 'sess_1',
      stopped: true,
      stream_id: 'stream_1',
      partial_response: 'Hello',
    });
  });

  it('answers with the logged text when the loop does not end the stream in time (its process died), after a bounded wait', async () => {
    const { deps, activeStreams, register, waits } = setup();
    const handle = await register();
    await activeStreams.appendLog(handle, [{ seq: 1, content: 'Hel' }]);

    const result = await stopStream(deps, 'alice', 'sess_1', { streamId: 'stream_1' });

    expect(result).toMatchObject({ stopped: true, partial_response: 'Hel' });
    // About two poll intervals plus a second.
    const waited = waits.reduce((sum, ms) => sum + ms, 0);
    expect(waited).toBeGreaterThanOrEqual(2 * 100 + 1000);
    expect(waited).toBeLessThan(2 * 100 + 1000 + 50);
  });

  it('is idempotent: stopped true with the same stream while it is live, false once it has ended', async () => {
    const { deps, activeStreams, register } = setup();
    const handle = await register();
    await activeStreams.appendLog(handle, [{ seq: 1, content: 'Hel' }]);

    const first = await stopStream(deps, 'alice', 'sess_1', {});
    const second = await stopStream(deps, 'alice', 'sess_1', {});
    await activeStreams.finish(handle, {
      status: 'cancelled',
      lastSeq: 1,
      terminal: { status: 'cancelled' },
    });
    const afterEnd = await stopStream(deps, 'alice', 'sess_1', { streamId: 'stream_1' });

    expect(first).toEqual({
      session_id: 'sess_1',
      stopped: true,
      stream_id: 'stream_1',
      partial_response: 'Hel',
    });
    expect(second).toEqual(first);
    expect(afterEnd).toEqual({
      session_id: 'sess_1',
      stopped: false,
      stream_id: 'stream_1',
      partial_response: null,
    });
  });

  it('by request_id: stops its live stream, and reports a finished one as not stopped', async () => {
    const { deps, activeStreams, register } = setup();
    const handle = await register();

    const live = await stopStream(deps, 'alice', 'sess_1', { requestId: 'req_1' });
    await activeStreams.finish(handle, {
      status: 'cancelled',
      lastSeq: 0,
      terminal: { status: 'cancelled' },
    });
    const finished = await stopStream(deps, 'alice', 'sess_1', { requestId: 'req_1' });

    expect(live).toMatchObject({ stopped: true, stream_id: 'stream_1' });
    expect(finished).toEqual({
      session_id: 'sess_1',
      stopped: false,
      stream_id: 'stream_1',
      partial_response: null,
    });
  });

  it('answers 404 STREAM_NOT_FOUND for a stream or request of another session of the user', async () => {
    const { deps, register } = setup();
    await register({ sessionId: 'sess_other' });

    await expect(stopStream(deps, 'alice', 'sess_1', { streamId: 'stream_1' })).rejects.toMatchObject({
      code: 'STREAM_NOT_FOUND',
    });
    await expect(stopStream(deps, 'alice', 'sess_1', { requestId: 'req_1' })).rejects.toMatchObject({
      code: 'STREAM_NOT_FOUND',
    });
  });

  it("answers 404 SESSION_NOT_FOUND for another user's session, whatever it names", async () => {
    const { deps, register } = setup();
    await register();

    await expect(stopStream(deps, 'mallory', 'sess_1', {})).rejects.toMatchObject({
      code: 'SESSION_NOT_FOUND',
    });
  });

  it('stops nothing in a session without a live stream (a tombstone waits for one that is starting)', async () => {
    const { deps, activeStreams } = setup();

    const bySession = await stopStream(deps, 'alice', 'sess_1', {});
    const byRequest = await stopStream(deps, 'alice', 'sess_1', { requestId: 'req_later' });

    expect(activeStreams.tombstones).toEqual([{ sessionId: 'sess_1' }, { requestId: 'req_later' }]);
    expect(byRequest).toEqual(bySession);
    expect(bySession).toEqual({
      session_id: 'sess_1',
      stopped: false,
      stream_id: null,
      partial_response: null,
    });
  });

  it('looks again after leaving its tombstone, and stops a stream that registered in between', async () => {
    const { deps, activeStreams, register, clock } = setup();
    const leave = activeStreams.leaveTombstone.bind(activeStreams);
    let racing: Awaited<ReturnType<typeof register>> | undefined;
    // A stream of a request that arrived before the stop registers while the tombstone is written.
    activeStreams.leaveTombstone = async (userId, target) => {
      const requestedAt = clock.now();
      clock.advance(5);
      racing = await register({
        requestedAt,
        ...('requestId' in target ? { requestId: target.requestId } : {}),
      });
      return leave(userId, target);
    };

    const bySession = await stopStream(deps, 'alice', 'sess_1', {});

    expect(racing).toBeDefined();
    expect(bySession).toMatchObject({ stopped: true, stream_id: racing?.streamId });
    expect(activeStreams.streams.get(racing?.streamId ?? '')?.cancel).toMatchObject({ reason: 'stop' });
  });

  it('after its tombstone, leaves alone a stream whose request came after the stop', async () => {
    const { deps, activeStreams, register, clock } = setup();
    const leave = activeStreams.leaveTombstone.bind(activeStreams);
    activeStreams.leaveTombstone = async (userId, target) => {
      const stoppedAt = await leave(userId, target);
      clock.advance(5);
      await register({ requestedAt: clock.now() });
      return stoppedAt;
    };

    const bySession = await stopStream(deps, 'alice', 'sess_1', {});

    expect(bySession).toMatchObject({ stopped: false });
    expect(activeStreams.streams.get('stream_1')?.cancel).toBeUndefined();
  });
});
