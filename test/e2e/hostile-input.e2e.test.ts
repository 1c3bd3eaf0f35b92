import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalSigningKey, loadOrCreateSigningKey, mintToken } from '../../local/local-issuer';
import { type GatewayProcess, request, sharedKeyFile, startGatewayProcess } from '../support/gateway-process';

const LOCAL_ISSUER = 'http://careguide.local';
const LOCAL_AUDIENCE = 'careguide-local';

/** A raw HTTP request: the path and body bytes go out exactly as given (fetch would tidy them). */
function raw(
  base: string,
  options: { method: string; path: string; token?: string; body?: Buffer },
): Promise<{ status: number; text: string }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method: options.method,
        path: options.path,
        headers: {
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          ...(options.body
            ? { 'content-type': 'application/json', 'content-length': options.body.length }
            : {}),
        },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          text += chunk;
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
      },
    );
    outgoing.on('error', reject);
    outgoing.end(options.body);
  });
}

const notUtf8 = (prefix: string, suffix: string) =>
  Buffer.concat([Buffer.from(prefix), Buffer.from([0xc0, 0xaf, 0xff]), Buffer.from(suffix)]);

describe('hostile input through the local gateway', () => {
  let gateway: GatewayProcess;
  let key: LocalSigningKey;
  const token = (sub: string) => mintToken(key, { sub, issuer: LOCAL_ISSUER, audience: LOCAL_AUDIENCE });

  beforeAll(async () => {
    const keyFile = sharedKeyFile();
    key = loadOrCreateSigningKey(keyFile);
    gateway = await startGatewayProcess({ LOCAL_SIGNING_KEY_FILE: keyFile });
  });

  afterAll(async () => {
    await gateway?.stop();
  });

  it.each([
    ['an invalid escape', '/api/rooms/%ZZ'],
    ['a lone %', '/api/rooms/%'],
    ['a truncated escape', '/api/rooms/room%2'],
    ['an overlong UTF-8 "/"', '/api/rooms/%C0%AF'],
    ['an overlong NUL', '/api/session/%E0%80%80'],
    ['a lone surrogate', '/api/rooms/%ED%A0%80/restore'],
  ])('answers a path id with %s with a 4xx, never 500', async (_what, path) => {
    const method = path.endsWith('/restore') ? 'POST' : 'GET';

    const response = await raw(gateway.url, { method, path, token: token('alice') });

    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
  });

  it('answers a room body that is not UTF-8 with 400 and creates nothing', async () => {
    const alice = token(`alice-${Date.now()}`);

    const response = await raw(gateway.url, {
      method: 'POST',
      path: '/api/rooms',
      token: alice,
      body: notUtf8('{"room_name":"bad', '"}'),
    });
    const rooms = await request(`${gateway.url}/api/rooms`, { token: alice });

    expect(response.status).toBe(400);
    expect(JSON.parse(response.text).error.code).toBe('INVALID_JSON');
    expect(rooms.body.data.total).toBe(0);
  });

  it('answers a chat stream body that is not UTF-8 with 400 before any stream starts', async () => {
    const response = await raw(gateway.url, {
      method: 'POST',
      path: '/api/chat/message',
      token: token('alice'),
      body: notUtf8('{"query":"', '","session_id":"sess_x","room_id":"room_x"}'),
    });

    expect(response.status).toBe(400);
    expect(JSON.parse(response.text).error.code).toBe('INVALID_JSON');
  });

  it('refuses a token whose sub holds the key separator on both entry points (401)', async () => {
    const intruder = token('victim#ROOM#room_1');

    const api = await request(`${gateway.url}/api/rooms`, { token: intruder });
    const stream = await request(`${gateway.url}/api/chat/message`, {
      method: 'POST',
      token: intruder,
      json: { query: 'hi', session_id: 'sess_x', room_id: 'room_x' },
    });

    expect(api).toMatchObject({ status: 401, body: { message: 'Unauthorized' } });
    expect(stream).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHORIZED' } } });
  });
});
