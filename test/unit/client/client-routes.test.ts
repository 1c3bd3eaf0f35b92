import { describe, expect, it } from 'vitest';
import {
  CareGuideApiError,
  CareGuideNetworkError,
  clientRoutes,
  createCareGuideClient,
} from '../../../client/index';
import { routeTable } from '../../../shared/routes/route-table';
import { fakeFetch, json } from './fake-fetch';

const room = {
  room_id: 'room_1',
  user_id: 'alice',
  room_name: 'Sleep',
  created_at: '2026-01-01T00:00:00.000Z',
  last_activity: '2026-01-01T00:00:00.000Z',
  message_count: 0,
  metadata: {},
  is_deleted: false,
  last_message_preview: null,
};

describe('the client covers the route table', () => {
  it('has an address for every route, with the same method, path, auth and kind', () => {
    const table = routeTable.map(({ id, method, path, auth, kind }) => ({ id, method, path, auth, kind }));
    const client = Object.entries(clientRoutes).map(([id, route]) => ({ id, ...route }));

    expect(client).toEqual(expect.arrayContaining(table));
    expect(client).toHaveLength(table.length);
  });
});

describe('JSON routes', () => {
  it('sends the token from the (async) provider, the body as JSON, and answers the data', async () => {
    const { fetch, requests } = fakeFetch(json(201, { data: room }));
    const client = createCareGuideClient({ baseUrl: 'http://api.test', fetch, token: async () => 'abc' });

    const created = await client.rooms.create({ room_name: 'Sleep' }, { idempotencyKey: 'key-1' });

    expect(created).toEqual(room);
    expect(requests[0]).toMatchObject({
      url: 'http://api.test/api/rooms',
      method: 'POST',
      body: { room_name: 'Sleep' },
    });
    expect(requests[0]?.headers.get('authorization')).toBe('Bearer abc');
    expect(requests[0]?.headers.get('content-type')).toBe('application/json');
    expect(requests[0]?.headers.get('idempotency-key')).toBe('key-1');
  });

  it('puts path parameters (encoded) and query parameters (skipping undefined) in the URL', async () => {
    const { fetch, requests } = fakeFetch(
      json(200, { data: { room_id: 'room_1', messages: [], next_cursor: null } }),
      json(200, { data: { rooms: [], total: 0, limit: 5, offset: 0, next_cursor: null } }),
    );
    const client = createCareGuideClient({ baseUrl: 'http://api.test/', fetch, token: () => 't' });

    await client.rooms.history('room 1', { limit: 10, order: 'asc', cursor: undefined });
    await client.rooms.list({ limit: 5, sort_by: 'room_name', order: 'asc' });

    expect(requests[0]?.url).toBe('http://api.test/api/rooms/room%201/history?limit=10&order=asc');
    expect(requests[1]?.url).toBe('http://api.test/api/rooms?limit=5&sort_by=room_name&order=asc');
  });

  it('sends no token to the routes that take none', async () => {
    const { fetch, requests } = fakeFetch(
      json(200, { data: { token: 'x', token_type: 'Bearer', expires_in: 3600 } }),
    );
    let asked = 0;
    const client = createCareGuideClient({ baseUrl: 'http://api.test', fetch, token: () => `t${++asked}` });

    await client.local.createToken({ user_id: 'bob' });

    expect(requests[0]?.headers.has('authorization')).toBe(false);
    expect(asked).toBe(0);
  });

  it('throws the envelope as CareGuideApiError: code, status, details and Retry-After', async () => {
    const { fetch } = fakeFetch(
      json(400, {
        error: {
          code: 'VALIDATION_ERROR',
          message: 'Invalid request',
          details: [{ path: 'body.room_name', message: 'must not be empty after trimming' }],
        },
      }),
      json(
        429,
        { error: { code: 'RATE_LIMITED', message: 'Too many rooms created', details: [] } },
        { 'retry-after': '120' },
      ),
    );
    const client = createCareGuideClient({ baseUrl: 'http://api.test', fetch, token: () => 't' });

    const invalid = await client.rooms.create({ room_name: ' ' }).catch((error: unknown) => error);
    const limited = await client.rooms.create({ room_name: 'x' }).catch((error: unknown) => error);

    expect(invalid).toBeInstanceOf(CareGuideApiError);
    expect(invalid).toMatchObject({
      status: 400,
      code: 'VALIDATION_ERROR',
      details: [{ path: 'body.room_name', message: 'must not be empty after trimming' }],
    });
    expect(limited).toMatchObject({
      status: 429,
      code: 'RATE_LIMITED',
      retryAfterSeconds: 120,
      retryable: true,
    });
  });

  it("maps API Gateway's bare answers and bodies without an envelope to codes", async () => {
    const { fetch } = fakeFetch(
      json(401, { message: 'Unauthorized' }),
      new Response('<html>Bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }),
      new TypeError('fetch failed'),
    );
    const client = createCareGuideClient({ baseUrl: 'http://api.test', fetch, token: () => undefined });

    const unauthorized = await client.me().catch((error: unknown) => error);
    const badGateway = await client.me().catch((error: unknown) => error);
    const offline = await client.me().catch((error: unknown) => error);

    expect(unauthorized).toMatchObject({ status: 401, code: 'UNAUTHORIZED', message: 'Unauthorized' });
    expect(badGateway).toMatchObject({ status: 502, code: 'HTTP_ERROR', message: 'Bad Gateway' });
    expect(offline).toBeInstanceOf(CareGuideNetworkError);
  });
});
