import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrCreateSigningKey, mintToken } from '../../local/local-issuer';
import { type GatewayProcess, request, sharedKeyFile, startGatewayProcess } from '../support/gateway-process';

const LOCAL_ISSUER = 'http://careguide.local';
const LOCAL_AUDIENCE = 'careguide-local';

describe('the local gateway over real HTTP', () => {
  let gateway: GatewayProcess;
  const keyFile = sharedKeyFile();

  beforeAll(async () => {
    gateway = await startGatewayProcess({ LOCAL_SIGNING_KEY_FILE: keyFile });
  });

  afterAll(async () => {
    await gateway?.stop();
  });

  it('prints a ready-to-paste token and a curl example when it starts', () => {
    expect(gateway.output()).toMatch(/export TOKEN=[\w-]+\.[\w-]+\.[\w-]+/);
    expect(gateway.output()).toContain('curl -s $API/api/health');
  });

  it('answers liveness, readiness and health', async () => {
    const live = await request(`${gateway.url}/healthz`);
    const ready = await request(`${gateway.url}/readyz`);
    const health = await request(`${gateway.url}/api/health`);

    expect(live).toMatchObject({ status: 200, body: { data: { status: 'ok' } } });
    expect(ready).toMatchObject({ status: 200, body: { data: { status: 'ready' } } });
    expect(health.status).toBe(200);
    expect(health.body.data).toMatchObject({
      status: 'ok',
      version: JSON.parse(readFileSync('package.json', 'utf8')).version,
      components: { dynamodb: { status: 'ok' }, model: { provider: 'local', status: 'ok' } },
    });
  });

  it('mints a token at /local/token that the protected routes accept', async () => {
    const minted = await request(`${gateway.url}/local/token`, {
      method: 'POST',
      json: { user_id: 'carol' },
    });
    const me = await request(`${gateway.url}/api/me`, { token: minted.body.data.token });

    expect(minted.status).toBe(200);
    expect(minted.body.data).toMatchObject({ token_type: 'Bearer', expires_in: 43_200 });
    expect(me).toMatchObject({ status: 200, body: { data: { user_id: 'carol' } } });
  });

  it('rejects a bad /local/token request with a 400 naming the field', async () => {
    const response = await request(`${gateway.url}/local/token`, { method: 'POST', json: { user_id: '' } });

    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({
      code: 'VALIDATION_ERROR',
      details: [{ path: 'body.user_id' }],
    });
  });

  it.each([
    ['no token', undefined],
    ['a malformed token', 'not.a.token'],
    ['a token signed by another key', 'other'],
    ['an expired token', 'expired'],
  ])('answers 401 {"message":"Unauthorized"} as API Gateway does, for %s', async (_name, kind) => {
    const key = loadOrCreateSigningKey(keyFile);
    const token =
      kind === 'expired'
        ? mintToken(key, {
            sub: 'carol',
            issuer: LOCAL_ISSUER,
            audience: LOCAL_AUDIENCE,
            now: new Date(Date.now() - 3 * 3600_000),
            expiresInSeconds: 3600,
          })
        : kind === 'other'
          ? mintToken(loadOrCreateSigningKey(sharedKeyFile()), {
              sub: 'carol',
              issuer: LOCAL_ISSUER,
              audience: LOCAL_AUDIENCE,
            })
          : kind;

    const response = await request(`${gateway.url}/api/me`, token ? { token } : {});

    expect(response.status).toBe(401);
    expect(response.body).toEqual({ message: 'Unauthorized' });
  });

  it('answers 404 {"message":"Not Found"} for a route that does not exist', async () => {
    const response = await request(`${gateway.url}/api/nothing-here`);

    expect(response).toMatchObject({ status: 404, body: { message: 'Not Found' } });
  });

  it('answers CORS preflights and marks responses for allowed origins', async () => {
    const preflight = await fetch(`${gateway.url}/api/me`, {
      method: 'OPTIONS',
      headers: { origin: 'http://app.example', 'access-control-request-method': 'GET' },
    });
    const actual = await request(`${gateway.url}/healthz`, { headers: { origin: 'http://app.example' } });

    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-methods')).toContain('GET');
    expect(preflight.headers.get('access-control-allow-headers')).toContain('authorization');
    expect(actual.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('serves the OpenAPI document and the API reference page', async () => {
    const document = await request(`${gateway.url}/openapi.json`);
    const page = await fetch(`${gateway.url}/docs`);

    expect(document.body.openapi).toBe('3.1.0');
    expect(Object.keys(document.body.paths)).toEqual(
      expect.arrayContaining(['/healthz', '/api/me', '/local/token']),
    );
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.url).toBe(`${gateway.url}/docs/`);
    expect(await page.text()).toContain('swagger-ui-bundle.js');
  });

  it('serves the API reference renderer, its document and the web app from the repository, no CDN', async () => {
    const renderer = await fetch(`${gateway.url}/docs/swagger-ui-bundle.js`);
    const document = await request(`${gateway.url}/docs/openapi.json`);
    const app = await fetch(`${gateway.url}/`);
    const html = await app.text();

    expect(renderer.status).toBe(200);
    expect(renderer.headers.get('content-type')).toContain('text/javascript');
    expect(document.body.paths['/local/token']).toBeDefined();
    expect(app.headers.get('content-type')).toContain('text/html');
    expect(html).toContain('app.js');
    expect(html).not.toMatch(/(src|href)="https?:/);
    expect((await fetch(`${gateway.url}/app.js`)).status).toBe(200);
  });
});

describe('npm start with its own DynamoDB Local', () => {
  it('stops DynamoDB Local when it is interrupted (Ctrl+C), leaving no process behind', async () => {
    const gateway = await startGatewayProcess({ DYNAMODB_ENDPOINT: '', DYNAMODB_IN_MEMORY: 'true' });
    const databaseUrl = /DynamoDB Local at (http:\/\/\S+)/.exec(gateway.output())?.[1];
    expect(databaseUrl).toBeDefined();
    const before = await fetch(String(databaseUrl)).then(
      () => 'up',
      () => 'down',
    );

    const exitCode = await gateway.stop('SIGINT');
    const after = await fetch(String(databaseUrl)).then(
      () => 'up',
      () => 'down',
    );

    expect(before).toBe('up');
    expect(exitCode).toBe(0);
    expect(after).toBe('down');
  });
});
