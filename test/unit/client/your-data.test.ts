import { describe, expect, it } from 'vitest';
import { createCareGuideClient } from '../../../client/index';
import { fakeFetch, json } from './fake-fetch';

const settings = {
  retention_days: 30,
  source: 'user',
  default_retention_days: null,
  updated_at: '2026-01-01T00:00:00.000Z',
};

const download = (body: string, contentType: string, disposition?: string) =>
  new Response(body, {
    status: 200,
    headers: { 'content-type': contentType, ...(disposition ? { 'content-disposition': disposition } : {}) },
  });

describe('your data: settings, audit trail, deletion', () => {
  it('reads and updates the retention setting', async () => {
    const { fetch, requests } = fakeFetch(json(200, { data: settings }), json(200, { data: settings }));
    const client = createCareGuideClient({ baseUrl: 'http://api.test', fetch, token: () => 't' });

    expect(await client.account.settings()).toEqual(settings);
    await client.account.updateSettings({ retention_days: null });

    expect(requests[0]).toMatchObject({ url: 'http://api.test/api/me/settings', method: 'GET' });
    expect(requests[1]).toMatchObject({
      url: 'http://api.test/api/me/settings',
      method: 'PATCH',
      body: { retention_days: null },
    });
    expect(requests[1]?.headers.get('authorization')).toBe('Bearer t');
  });

  it('lists the audit trail with cursor and limit, and deletes with the confirmation', async () => {
    const { fetch, requests } = fakeFetch(
      json(200, { data: { events: [], next_cursor: null } }),
      json(200, { data: { deleted: true, purge_completes_by: '2026-01-02T00:00:00.000Z' } }),
    );
    const client = createCareGuideClient({ baseUrl: 'http://api.test', fetch, token: () => 't' });

    expect(await client.account.audit({ cursor: 'c 1', limit: 10 })).toEqual({
      events: [],
      next_cursor: null,
    });
    expect(await client.account.delete()).toMatchObject({ deleted: true });

    expect(requests[0]?.url).toBe('http://api.test/api/me/audit?cursor=c+1&limit=10');
    expect(requests[1]).toMatchObject({
      url: 'http://api.test/api/me',
      method: 'DELETE',
      body: { confirm: 'DELETE' },
    });
  });
});

describe('downloads', () => {
  it("exports a room as Markdown: the text and the Content-Disposition's file name", async () => {
    const { fetch, requests } = fakeFetch(
      download('# Sleep\n', 'text/markdown; charset=utf-8', 'attachment; filename="room-room_1.md"'),
    );
    const client = createCareGuideClient({ baseUrl: 'http://api.test', fetch, token: () => 't' });

    const file = await client.rooms.export('room_1', { format: 'markdown' });

    expect(file).toEqual({
      filename: 'room-room_1.md',
      contentType: 'text/markdown; charset=utf-8',
      text: '# Sleep\n',
    });
    expect(requests[0]?.url).toBe('http://api.test/api/rooms/room_1/export?format=markdown');
    expect(requests[0]?.headers.get('accept')).toBe('text/markdown');
  });

  it('names the file itself when the header is hidden (CORS, proxies)', async () => {
    const { fetch } = fakeFetch(download('{"room":{}}', 'application/json'));
    const client = createCareGuideClient({ baseUrl: 'http://api.test', fetch, token: () => 't' });

    expect((await client.rooms.export('room_1')).filename).toBe('room-room_1.json');
  });

  it('exports the account from the stream URL of its route, as text or as a raw Response', async () => {
    const { fetch, requests } = fakeFetch(
      download('{"format":1}', 'application/json', 'attachment; filename="careguide-export.json"'),
      download('{"format":1}', 'application/json'),
    );
    const client = createCareGuideClient({
      baseUrl: 'http://api.test',
      streamUrls: { exportAccount: 'https://export.lambda-url.test/' },
      fetch,
      token: () => 't',
    });

    const file = await client.account.export();
    const response = await client.account.exportResponse();

    expect(file).toMatchObject({ filename: 'careguide-export.json', text: '{"format":1}' });
    expect(requests.map((request) => request.url)).toEqual([
      'https://export.lambda-url.test/api/me/export',
      'https://export.lambda-url.test/api/me/export',
    ]);
    expect(await response.text()).toBe('{"format":1}');
  });

  it('throws the error envelope of a failed download', async () => {
    const { fetch } = fakeFetch(
      json(404, { error: { code: 'ROOM_NOT_FOUND', message: 'Room not found', details: [] } }),
    );
    const client = createCareGuideClient({ baseUrl: 'http://api.test', fetch, token: () => 't' });

    await expect(client.rooms.export('room_x', { format: 'markdown' })).rejects.toMatchObject({
      status: 404,
      code: 'ROOM_NOT_FOUND',
    });
  });
});
