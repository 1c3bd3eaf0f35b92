import { describe, expect, it } from 'vitest';
import { openStreamEvents } from '../../../shared/domain/chat/follow-stream';
import { recoverIfLapsed, recoverStream } from '../../../shared/domain/chat/recover-stream';
import { ManualClock } from '../../../shared/domain/clock';
import { FakeActiveStreams, FakeConversation } from '../../support/chat-fakes';

function setup() {
  const clock = new ManualClock('2026-01-01T00:05:00.000Z');
  const activeStreams = new FakeActiveStreams(clock);
  const conversation = new FakeConversation();
  const recovered: string[] = [];
  const deps = {
    activeStreams,
    conversation,
    clock,
    onRecovered: (record: { streamId: string }) => recovered.push(record.streamId),
    settings: { followIntervalMs: 10 },
    sleep: async (ms: number) => clock.advance(ms),
  };
  const start = async () => {
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
        deadlineAt: new Date(clock.now().getTime() + 600_000),
        sessionCreatedAt: clock.now().toISOString(),
      },
      { freeSlots: [0] },
    );
    if (outcome.kind !== 'registered') throw new Error(outcome.kind);
    await activeStreams.appendLog(outcome.handle, [
      { seq: 1, content: 'Hel' },
      { seq: 2, content: 'lo' },
    ]);
    return outcome.handle;
  };
  return { clock, activeStreams, conversation, deps, start, recovered };
}

describe('a stream whose process died', () => {
  it('is left alone while its lease holds', async () => {
    const { deps, start, conversation } = setup();
    await start();

    const record = await recoverIfLapsed(deps, 'alice', 'stream_1');

    expect(record?.status).toBe('running');
    expect(conversation.recorded).toEqual([]);
  });

  it('is finished from its log once its lease lapsed: answer interrupted with the logged text, request and session released, once', async () => {
    const { deps, start, conversation, clock, activeStreams, recovered } = setup();
    await start();
    clock.advance(15_001);

    const lapsed = await activeStreams.getRecord('alice', 'stream_1');
    const record = await recoverIfLapsed(deps, 'alice', 'stream_1');
    if (!lapsed) throw new Error('no record');
    // A second recoverer (another reader, the sweep) with the record as it read it before.
    const again = await recoverStream(deps, lapsed);

    expect(record).toMatchObject({
      status: 'interrupted',
      lastSeq: 2,
      terminal: { status: 'error', code: 'STREAM_INTERRUPTED' },
    });
    expect(again).toBe(false);
    expect(recovered).toEqual(['stream_1']);
    expect(conversation.answer()?.message).toMatchObject({
      message_id: 'msg_1_a',
      status: 'interrupted',
      content: 'Hello',
    });
    expect(conversation.released).toContain('stream_1');
    expect(activeStreams.requests.has('req_1')).toBe(false);
  });

  it('is replayed to a reader, then ends with STREAM_INTERRUPTED (the reader finishes it when its lease lapses)', async () => {
    const { deps, start, clock } = setup();
    await start();
    clock.advance(15_001);

    const events = [];
    for await (const event of await openStreamEvents(deps, 'alice', 'stream_1', { afterSeq: 1 }))
      events.push(event);

    expect(events).toEqual([
      { id: 2, event: { status: 'streaming', content: 'lo', seq: 2 } },
      { id: 3, event: expect.objectContaining({ status: 'error', code: 'STREAM_INTERRUPTED' }) },
    ]);
  });

  it("is not found when unknown (as another user's is: keys are owner-first)", async () => {
    const { deps, start } = setup();
    await start();

    await expect(openStreamEvents(deps, 'alice', 'stream_unknown')).rejects.toMatchObject({
      code: 'STREAM_NOT_FOUND',
    });
  });
});
