import {
  ApiGatewayManagementApiClient,
  ForbiddenException,
  GoneException,
  LimitExceededException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ConnectionStore, OpenConnection } from '../../../shared/realtime/connections';
import { deliverFrames, type FanOutDeps, listingOncePerUser } from '../../../shared/realtime/fan-out';
import type { EventFrame } from '../../../shared/realtime/frames';
import { createManagementApiPoster } from '../../../shared/realtime/management-api-poster';

const ENDPOINT = 'https://api.execute-api.us-east-1.amazonaws.com/dev';
const management = mockClient(ApiGatewayManagementApiClient);

const meta = (httpStatusCode: number) => ({ $metadata: { httpStatusCode }, message: 'x' });
const gone = () => new GoneException(meta(410));
const throttled = () => new LimitExceededException(meta(429));

const frame = (roomId: string): EventFrame => ({
  type: 'room.updated',
  at: '2026-11-30T10:00:00.000Z',
  room_id: roomId,
  data: {
    room_id: roomId,
    user_id: 'alice',
    room_name: 'Sleep',
    created_at: '2026-11-30T10:00:00.000Z',
    last_activity: '2026-11-30T10:00:00.000Z',
    message_count: 0,
    metadata: {},
    is_deleted: false,
    last_message_preview: null,
  },
});

/** An in-memory connections port holding `ids` for alice, all on ENDPOINT unless said otherwise. */
function connectionsOf(ids: readonly string[], endpoints: Record<string, string> = {}) {
  const open = new Map<string, OpenConnection>(
    ids.map((id) => [
      id,
      {
        userId: 'alice',
        connectionId: id,
        endpoint: endpoints[id] ?? ENDPOINT,
        connectedAt: new Date(0),
        expiresAt: new Date(8_000_000_000_000),
      },
    ]),
  );
  const store: ConnectionStore = {
    open: vi.fn(),
    close: vi.fn(async (_userId: string, id: string) => {
      open.delete(id);
    }),
    listOpen: vi.fn(async () => [...open.values()]),
  };
  return { store, open };
}

function deps(
  store: ConnectionStore,
  sleep = vi.fn(async () => undefined),
): FanOutDeps & { sleep: typeof sleep } {
  return {
    connections: store,
    poster: createManagementApiPoster({ region: 'us-east-1' }),
    endpoint: ENDPOINT,
    sleep,
    random: () => 0.5,
  };
}

const postsTo = (connectionId: string) =>
  management
    .commandCalls(PostToConnectionCommand)
    .filter((call) => call.args[0].input.ConnectionId === connectionId);

beforeEach(() => management.reset());
afterEach(() => management.reset());

describe('deliverFrames (fan-out to every open connection of the user)', () => {
  it('posts every frame, in order, to each connection of the user', async () => {
    management.on(PostToConnectionCommand).resolves({});
    const { store } = connectionsOf(['c1', 'c2']);

    const report = await deliverFrames(deps(store), { userId: 'alice', frames: [frame('r1'), frame('r2')] });

    expect(report).toMatchObject({ frames: 2, connections: 2, sent: 4, gone: 0, failed: [] });
    for (const id of ['c1', 'c2']) {
      expect(postsTo(id).map((call) => JSON.parse(String(call.args[0].input.Data)).room_id)).toEqual([
        'r1',
        'r2',
      ]);
    }
    expect(store.listOpen).toHaveBeenCalledWith('alice');
  });

  it('deletes a connection the management API answers 410 GoneException for, and still serves the others', async () => {
    management.on(PostToConnectionCommand).resolves({});
    management.on(PostToConnectionCommand, { ConnectionId: 'stale' }).rejects(gone());
    const { store, open } = connectionsOf(['c1', 'stale', 'c2']);

    const report = await deliverFrames(deps(store), { userId: 'alice', frames: [frame('r1'), frame('r2')] });

    expect(report.gone).toBe(1);
    expect(store.close).toHaveBeenCalledWith('alice', 'stale');
    expect(open.has('stale')).toBe(false);
    // Gone after its first post: no second frame is tried on it.
    expect(postsTo('stale')).toHaveLength(1);
    expect(postsTo('c1')).toHaveLength(2);
    expect(postsTo('c2')).toHaveLength(2);
    expect(report.sent).toBe(4);
  });

  it('retries a throttled post (429 LimitExceededException) with a pause, then delivers it', async () => {
    management.on(PostToConnectionCommand).rejectsOnce(throttled()).rejectsOnce(throttled()).resolves({});
    const { store } = connectionsOf(['c1']);
    const sleep = vi.fn(async () => undefined);

    const report = await deliverFrames(deps(store, sleep), { userId: 'alice', frames: [frame('r1')] });

    expect(report).toMatchObject({ sent: 1, failed: [] });
    expect(postsTo('c1')).toHaveLength(3);
    expect(sleep).toHaveBeenCalledTimes(2);
    const [first, second] = sleep.mock.calls.map((call) => (call as unknown as [number])[0]);
    expect(second).toBeGreaterThan(first ?? Number.POSITIVE_INFINITY);
  });

  it('gives a throttled connection up after 3 attempts and reports it; the other connections get the frame', async () => {
    management.on(PostToConnectionCommand).resolves({});
    management.on(PostToConnectionCommand, { ConnectionId: 'busy' }).rejects(throttled());
    const { store } = connectionsOf(['busy', 'c1']);

    const report = await deliverFrames(deps(store), { userId: 'alice', frames: [frame('r1')] });

    expect(postsTo('busy')).toHaveLength(3);
    expect(report.failed).toEqual([{ connectionId: 'busy', errorName: 'LimitExceededException' }]);
    expect(report.sent).toBe(1);
    expect(store.close).not.toHaveBeenCalled();
  });

  it('does not retry a post refused for good (403), and does not delete that connection', async () => {
    management.on(PostToConnectionCommand).resolves({});
    management
      .on(PostToConnectionCommand, { ConnectionId: 'bad' })
      .rejects(new ForbiddenException(meta(403)));
    const { store } = connectionsOf(['bad', 'c1']);

    const report = await deliverFrames(deps(store), { userId: 'alice', frames: [frame('r1')] });

    expect(postsTo('bad')).toHaveLength(1);
    expect(report.failed).toEqual([{ connectionId: 'bad', errorName: 'ForbiddenException' }]);
    expect(postsTo('c1')).toHaveLength(1);
  });

  it('posts in parallel: a slow connection does not hold back the others', async () => {
    let releaseSlow: () => void = () => undefined;
    const slowGate = new Promise<void>((resolve) => {
      releaseSlow = resolve;
    });
    management.on(PostToConnectionCommand).resolves({});
    management.on(PostToConnectionCommand, { ConnectionId: 'slow' }).callsFake(async () => {
      await slowGate;
      return {};
    });
    const { store } = connectionsOf(['slow', 'c1', 'c2']);

    const delivery = deliverFrames(deps(store), { userId: 'alice', frames: [frame('r1')] });
    await vi.waitFor(() => expect(postsTo('c1').length + postsTo('c2').length).toBe(2));
    releaseSlow();

    expect((await delivery).sent).toBe(3);
  });

  it("posts only to connections reached through this fan-out's endpoint (another gateway's are not its to serve)", async () => {
    management.on(PostToConnectionCommand).resolves({});
    const { store } = connectionsOf(['here', 'elsewhere'], { elsewhere: 'http://127.0.0.1:9/other' });

    const report = await deliverFrames(deps(store), { userId: 'alice', frames: [frame('r1')] });

    expect(report.connections).toBe(1);
    expect(postsTo('elsewhere')).toHaveLength(0);
    expect(postsTo('here')).toHaveLength(1);
  });

  it('fails the change only when the connections cannot be listed (so the record is retried)', async () => {
    const { store } = connectionsOf([]);
    vi.mocked(store.listOpen).mockRejectedValueOnce(new Error('ProvisionedThroughputExceeded'));

    await expect(deliverFrames(deps(store), { userId: 'alice', frames: [frame('r1')] })).rejects.toThrow();
  });
});

describe('listingOncePerUser (the connections of a batch)', () => {
  it('lists a user once for all the records of a batch, and forgets a gone connection', async () => {
    management.on(PostToConnectionCommand).resolves({});
    management.on(PostToConnectionCommand, { ConnectionId: 'stale' }).rejects(gone());
    const { store } = connectionsOf(['c1', 'stale']);
    const batch = { ...deps(store), connections: listingOncePerUser(store) };

    await deliverFrames(batch, { userId: 'alice', frames: [frame('r1')] });
    const second = await deliverFrames(batch, { userId: 'alice', frames: [frame('r2')] });

    expect(store.listOpen).toHaveBeenCalledTimes(1);
    expect(second.connections).toBe(1);
    expect(postsTo('stale')).toHaveLength(1);
  });
});
