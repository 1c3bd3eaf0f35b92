import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { keys } from '../../../shared/data/keys';
import { framesOfRecord, matchesFilterPattern } from '../../../shared/realtime/change-subscriptions';
import { eventFrameSchema, eventTypes } from '../../../shared/realtime/frames';

/** Table stream records as Lambda hands them to the fan-out (images in attribute-value form). */
const AT_SECONDS = 1_796_000_000;
const AT = new Date(AT_SECONDS * 1000).toISOString();

function record(
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE',
  key: { pk: string; sk: string },
  images: { newImage?: object; oldImage?: object },
  extra: Partial<DynamoDBRecord> = {},
): DynamoDBRecord {
  const image = (item: object | undefined) =>
    item ? (marshall({ ...key, ...item }, { removeUndefinedValues: true }) as never) : undefined;
  return {
    eventID: '1',
    eventName,
    eventSource: 'aws:dynamodb',
    eventVersion: '1.1',
    awsRegion: 'us-east-1',
    dynamodb: {
      ApproximateCreationDateTime: AT_SECONDS,
      Keys: marshall(key) as never,
      ...(images.newImage ? { NewImage: image(images.newImage) } : {}),
      ...(images.oldImage ? { OldImage: image(images.oldImage) } : {}),
      SequenceNumber: '100',
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
    ...extra,
  };
}

const room = {
  room_id: 'room_1',
  user_id: 'alice',
  room_name: 'Sleep',
  created_at: '2026-11-30T10:00:00.000Z',
  last_activity: '2026-11-30T10:00:00.000Z',
  message_count: 0,
  metadata: '{"color":"red"}',
  is_deleted: false,
  last_message_preview: null,
};
const deletedRoom = { ...room, is_deleted: true, deleted_at: '2026-11-30T11:00:00.000Z' };
const session = {
  session_id: 'sess_1',
  user_id: 'alice',
  room_id: 'room_1',
  agent_type: 'general',
  created_at: '2026-11-30T10:00:00.000Z',
  last_activity: '2026-11-30T10:00:00.000Z',
  expires_at: '2026-11-30T10:30:00.000Z',
  agents: {},
};
const message = {
  message_id: 'msg_1_q',
  room_id: 'room_1',
  session_id: 'sess_1',
  role: 'user',
  agent_type: 'general',
  content: 'How long should an adult sleep?',
  status: 'complete',
  created_at: '2026-11-30T10:01:00.000Z',
};
const streamItem = {
  stream_id: 'stream_1',
  request_id: 'req_1',
  session_id: 'sess_1',
  room_id: 'room_1',
  lease_expires_at: 1,
  cancel_requested: false,
};
const requestItem = { request_id: 'req_1', stream_id: 'stream_1', session_id: 'sess_1', room_id: 'room_1' };

const roomKey = keys.room('alice', 'room_1');
const framesOf = (input: DynamoDBRecord) => {
  const result = framesOfRecord(input);
  for (const frame of result?.frames ?? []) eventFrameSchema.parse(frame);
  return result;
};

describe('frames built from chat table changes', () => {
  it('room.created: a room put, with the room as the API shows it (metadata parsed)', () => {
    const result = framesOf(record('INSERT', roomKey, { newImage: room }));

    expect(result?.userId).toBe('alice');
    expect(result?.frames).toEqual([
      {
        type: 'room.created',
        at: room.created_at,
        room_id: 'room_1',
        data: expect.objectContaining({ room_id: 'room_1', room_name: 'Sleep', metadata: { color: 'red' } }),
      },
    ]);
  });

  it('room.updated: a live room whose visible fields changed; silent when nothing visible changed', () => {
    const renamed = framesOf(
      record('MODIFY', roomKey, { oldImage: room, newImage: { ...room, room_name: 'BP' } }),
    );
    const bookkeeping = framesOf(
      record('MODIFY', roomKey, { oldImage: room, newImage: { ...room, sessions_ended_at: AT } }),
    );

    expect(renamed?.frames).toEqual([
      { type: 'room.updated', at: AT, room_id: 'room_1', data: expect.objectContaining({ room_name: 'BP' }) },
    ]);
    expect(bookkeeping).toBeUndefined();
  });

  it('room.updated by a new message is dated by the room’s new last_activity', () => {
    const later = '2026-11-30T10:03:00.500Z';
    const result = framesOf(
      record('MODIFY', roomKey, {
        oldImage: room,
        newImage: { ...room, last_activity: later, message_count: 1, last_message_preview: 'Hi' },
      }),
    );

    expect(result?.frames.map((frame) => [frame.type, frame.at])).toEqual([['room.updated', later]]);
  });

  it('room.deleted and room.restored: the is_deleted transitions', () => {
    const deleted = framesOf(record('MODIFY', roomKey, { oldImage: room, newImage: deletedRoom }));
    const restored = framesOf(record('MODIFY', roomKey, { oldImage: deletedRoom, newImage: room }));

    expect(deleted?.frames.map((frame) => [frame.type, frame.at, frame.data])).toEqual([
      ['room.deleted', deletedRoom.deleted_at, expect.objectContaining({ is_deleted: true })],
    ]);
    // A restore records no time of its own: the stream record's.
    expect(restored?.frames.map((frame) => [frame.type, frame.at, frame.data])).toEqual([
      ['room.restored', AT, expect.objectContaining({ is_deleted: false })],
    ]);
  });

  it("no frame for a purged room or for a deleted room's bookkeeping", () => {
    expect(framesOf(record('REMOVE', roomKey, { oldImage: deletedRoom }))).toBeUndefined();
    expect(
      framesOf(
        record('MODIFY', roomKey, { oldImage: deletedRoom, newImage: { ...deletedRoom, message_count: 3 } }),
      ),
    ).toBeUndefined();
  });

  it('session.created with the session, session.deleted with its ids; a TTL clean-up is silent', () => {
    const sessionKey = keys.session('alice', 'sess_1');
    const created = framesOf(record('INSERT', sessionKey, { newImage: session }));
    const deleted = framesOf(record('REMOVE', sessionKey, { oldImage: session }));
    const expired = framesOf(
      record(
        'REMOVE',
        sessionKey,
        { oldImage: session },
        { userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' } },
      ),
    );

    expect(created?.frames).toEqual([
      {
        type: 'session.created',
        at: session.created_at,
        session_id: 'sess_1',
        room_id: 'room_1',
        data: expect.objectContaining({ session_id: 'sess_1', active_stream_id: null }),
      },
    ]);
    expect(deleted?.frames).toEqual([
      {
        type: 'session.deleted',
        at: AT,
        session_id: 'sess_1',
        room_id: 'room_1',
        data: { session_id: 'sess_1', room_id: 'room_1', deleted: true },
      },
    ]);
    expect(expired).toBeUndefined();
  });

  it('message.created: the message with its ids, owner read from the message partition key', () => {
    const result = framesOf(
      record('INSERT', keys.message('alice', 'room_1', message.created_at, 'msg_1_q'), { newImage: message }),
    );

    expect(result?.userId).toBe('alice');
    expect(result?.frames).toEqual([
      {
        type: 'message.created',
        at: message.created_at,
        room_id: 'room_1',
        session_id: 'sess_1',
        message_id: 'msg_1_q',
        data: message,
      },
    ]);
  });

  it('history.cleared: the job of a clear, for one agent or (null) all', () => {
    const job = { user_id: 'alice', room_id: 'room_1', cleared_up_to: '2026-11-30T10:05:00.000Z' };
    const jobKey = keys.historyClearJob('alice', 'room_1', 'job_1');
    const all = framesOf(record('INSERT', jobKey, { newImage: job }));
    const oneAgent = framesOf(record('INSERT', jobKey, { newImage: { ...job, agent_type: 'medication' } }));
    const jobDone = framesOf(record('REMOVE', jobKey, { oldImage: job }));

    expect(all?.frames).toEqual([
      {
        type: 'history.cleared',
        at: job.cleared_up_to,
        room_id: 'room_1',
        data: { room_id: 'room_1', agent_type: null, cleared_up_to: job.cleared_up_to },
      },
    ]);
    expect(oneAgent?.frames[0]?.data).toEqual(expect.objectContaining({ agent_type: 'medication' }));
    expect(jobDone).toBeUndefined();
  });

  it('nothing for items users are not told about (counters, rate windows, idempotency records)', () => {
    expect(
      framesOf(record('MODIFY', keys.counters('alice'), { oldImage: {}, newImage: {} })),
    ).toBeUndefined();
    expect(
      framesOf(record('INSERT', keys.rateWindow('alice', 'ROOM_CREATE', '2026'), { newImage: { count: 1 } })),
    ).toBeUndefined();
  });
});

describe('frames built from ActiveStreams table changes', () => {
  it('stream.started: a stream registered, at its started_at', () => {
    const startedAt = Date.parse('2026-11-30T10:01:00.250Z');
    const result = framesOf(
      record('INSERT', keys.stream('alice', 'stream_1'), {
        newImage: { ...streamItem, started_at: startedAt },
      }),
    );

    expect(result?.frames).toEqual([
      {
        type: 'stream.started',
        at: '2026-11-30T10:01:00.250Z',
        stream_id: 'stream_1',
        session_id: 'sess_1',
        room_id: 'room_1',
        request_id: 'req_1',
        data: { stream_id: 'stream_1', session_id: 'sess_1', room_id: 'room_1', request_id: 'req_1' },
      },
    ]);
  });

  it.each([
    ['complete', 'completed'],
    ['cancelled', 'cancelled'],
    ['interrupted', 'interrupted'],
    ['error', 'error'],
  ] as const)('stream.ended: the request record leaving running for %s → %s', (stored, shown) => {
    const result = framesOf(
      record('MODIFY', keys.chatRequest('alice', 'req_1'), {
        oldImage: { ...requestItem, status: 'running' },
        newImage: { ...requestItem, status: stored, ended_at: Date.parse('2026-11-30T10:02:00.500Z') },
      }),
    );

    expect(result?.frames).toEqual([
      {
        type: 'stream.ended',
        at: '2026-11-30T10:02:00.500Z',
        stream_id: 'stream_1',
        session_id: 'sess_1',
        room_id: 'room_1',
        data: { stream_id: 'stream_1', status: shown },
      },
    ]);
  });

  it('nothing for heartbeats, slots, the stream record removed, or a request already ended', () => {
    const streamKey = keys.stream('alice', 'stream_1');
    expect(
      framesOf(record('MODIFY', streamKey, { oldImage: streamItem, newImage: streamItem })),
    ).toBeUndefined();
    expect(framesOf(record('REMOVE', streamKey, { oldImage: streamItem }))).toBeUndefined();
    expect(
      framesOf(
        record('INSERT', keys.streamSlot('alice', 0), { newImage: { stream_id: 's', lease_expires_at: 1 } }),
      ),
    ).toBeUndefined();
    expect(
      framesOf(
        record('MODIFY', keys.chatRequest('alice', 'req_1'), {
          oldImage: { ...requestItem, status: 'complete' },
          newImage: { ...requestItem, status: 'complete' },
        }),
      ),
    ).toBeUndefined();
  });
});

describe('the frame catalogue', () => {
  it('has exactly the event types of DESIGN', () => {
    expect([...eventTypes].sort()).toEqual(
      [
        'history.cleared',
        'message.created',
        'room.created',
        'room.deleted',
        'room.restored',
        'room.updated',
        'session.created',
        'session.deleted',
        'stream.ended',
        'stream.started',
      ].sort(),
    );
  });
});

describe('filter patterns', () => {
  it('match as Lambda matches them: event name listed and sort key prefix', () => {
    const pattern = { eventName: ['INSERT'], dynamodb: { Keys: { sk: { S: [{ prefix: 'MSG#' }] } } } };
    const message = record('INSERT', keys.message('alice', 'room_1', 't', 'm'), { newImage: {} });

    expect(matchesFilterPattern(pattern, message)).toBe(true);
    expect(matchesFilterPattern(pattern, { ...message, eventName: 'REMOVE' })).toBe(false);
    expect(matchesFilterPattern(pattern, record('INSERT', roomKey, { newImage: room }))).toBe(false);
  });
});
