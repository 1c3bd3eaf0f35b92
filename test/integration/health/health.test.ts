import { afterEach, describe, expect, it, vi } from 'vitest';
import { invoke } from '../../support/api-event';

/** Loads a health handler afresh, so it parses the environment as it is now (cold start). */
async function coldHandler(module: 'get-readiness' | 'get-health') {
  vi.resetModules();
  return (await import(`../../../functions/health/${module}`)).handler;
}

describe('health handlers against DynamoDB', () => {
  const endpoint = process.env.DYNAMODB_ENDPOINT;

  afterEach(() => {
    process.env.DYNAMODB_ENDPOINT = endpoint;
  });

  it('readiness is 200 when DynamoDB answers', async () => {
    const response = await invoke(await coldHandler('get-readiness'), { path: '/readyz' });

    expect(response).toMatchObject({ status: 200, body: { data: { status: 'ready' } } });
  });

  it('readiness is 503 NOT_READY when DynamoDB cannot be reached', async () => {
    process.env.DYNAMODB_ENDPOINT = 'http://127.0.0.1:9';

    const response = await invoke(await coldHandler('get-readiness'), { path: '/readyz' });

    expect(response.status).toBe(503);
    expect(response.body.error.code).toBe('NOT_READY');
  });

  it('health reports DynamoDB ok with its latency, and unavailable when it cannot be reached', async () => {
    const healthy = await invoke(await coldHandler('get-health'), { path: '/api/health' });
    process.env.DYNAMODB_ENDPOINT = 'http://127.0.0.1:9';
    const unhealthy = await invoke(await coldHandler('get-health'), { path: '/api/health' });

    expect(healthy.body.data.components.dynamodb).toMatchObject({
      status: 'ok',
      latency_ms: expect.any(Number),
    });
    expect(healthy.body.data.status).toBe('ok');
    expect(unhealthy.status).toBe(200);
    expect(unhealthy.body.data).toMatchObject({
      status: 'unavailable',
      components: { dynamodb: { status: 'unavailable' } },
    });
  });
});
