import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { DomainError } from '../../../shared/domain/errors';
import { httpHandler } from '../../../shared/http/http-handler';
import { created } from '../../../shared/http/responses';
import { defineRoute } from '../../../shared/routes/route-definition';
import { invoke } from '../../support/api-event';

const widgetRoute = defineRoute({
  id: 'createWidget',
  method: 'POST',
  path: '/api/widgets/{widget_id}',
  summary: 'test route',
  tags: ['test'],
  handler: { entry: 'unused.ts', export: 'handler' },
  auth: 'jwt',
  kind: 'http',
  request: {
    params: z.object({ widget_id: z.string().min(3) }),
    query: z.object({ limit: z.coerce.number().int().min(1).max(10).default(5) }),
    body: z.strictObject({ name: z.string().trim().min(1).max(10) }),
  },
  responses: { 201: { description: 'created' } },
  errors: ['VALIDATION_ERROR'],
  access: {},
});

const valid = {
  method: 'POST',
  pathParameters: { widget_id: 'w-1' },
  body: { name: 'gear' },
  sub: 'alice',
};

const echo = httpHandler(widgetRoute, async (request) =>
  created({ params: request.params, query: request.query, body: request.body, user: request.userId }),
);

describe('the request pipeline', () => {
  it('hands the handler validated params, query and body and wraps the result in {data}', async () => {
    const response = await invoke(echo, { ...valid, query: { limit: '7' } });

    expect(response.status).toBe(201);
    expect(response.body).toEqual({
      data: { params: { widget_id: 'w-1' }, query: { limit: 7 }, body: { name: 'gear' }, user: 'alice' },
    });
    expect(response.headers['content-type']).toMatch(/^application\/json/);
  });

  it('answers 400 VALIDATION_ERROR with the field path when a field has the wrong type', async () => {
    const response = await invoke(echo, { ...valid, body: { name: 42 } });

    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('VALIDATION_ERROR');
    expect(response.body.error.details).toEqual([expect.objectContaining({ path: 'body.name' })]);
  });

  it('rejects unknown body fields, naming them', async () => {
    const response = await invoke(echo, { ...valid, body: { name: 'gear', colour: 'red' } });

    expect(response.status).toBe(400);
    expect(JSON.stringify(response.body.error.details)).toContain('colour');
  });

  it('validates query and path parameters too', async () => {
    const badQuery = await invoke(echo, { ...valid, query: { limit: '0' } });
    const badParam = await invoke(echo, { ...valid, pathParameters: { widget_id: 'x' } });

    expect(badQuery.body.error.details[0].path).toBe('query.limit');
    expect(badParam.body.error.details[0].path).toBe('params.widget_id');
  });

  it('answers 400 INVALID_JSON for a malformed body', async () => {
    const response = await invoke(echo, { ...valid, body: '{"name": ' });

    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('INVALID_JSON');
  });

  it('answers 415 when the body is not JSON', async () => {
    const response = await invoke(echo, {
      ...valid,
      body: 'name=gear',
      headers: { 'content-type': 'text/plain' },
    });

    expect(response.status).toBe(415);
    expect(response.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('answers 413 for a body over 64 KB, and accepts one just under it', async () => {
    const limit = 64 * 1024;
    const over = await invoke(echo, { ...valid, body: `{"name":"${'x'.repeat(limit)}"}` });
    const padding = ' '.repeat(limit - JSON.stringify({ name: 'gear' }).length);
    const under = await invoke(echo, { ...valid, body: `${JSON.stringify({ name: 'gear' })}${padding}` });

    expect(over.status).toBe(413);
    expect(over.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(under.status).toBe(201);
  });

  it('accepts a user_id equal to the token subject and drops it', async () => {
    const response = await invoke(echo, { ...valid, body: { name: 'gear', user_id: 'alice' } });

    expect(response.status).toBe(201);
    expect(response.body.data.body).toEqual({ name: 'gear' });
  });

  it('answers 403 FORBIDDEN for a user_id (body or query) that is not the token subject', async () => {
    const inBody = await invoke(echo, { ...valid, body: { name: 'gear', user_id: 'mallory' } });
    const inQuery = await invoke(echo, { ...valid, query: { user_id: 'mallory' } });

    expect(inBody.status).toBe(403);
    expect(inBody.body.error.code).toBe('FORBIDDEN');
    expect(inQuery.status).toBe(403);
  });

  it('answers 401 in the envelope when a jwt route gets an event without claims', async () => {
    const response = await invoke(echo, { ...valid, sub: undefined });

    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe('UNAUTHORIZED');
  });

  it('turns an unknown error into a generic 500 that reveals nothing', async () => {
    const failing = httpHandler(widgetRoute, async () => {
      throw new Error('secret detail: patient has condition X');
    });

    const response = await invoke(failing, valid);

    expect(response.status).toBe(500);
    expect(response.body).toEqual({
      error: { code: 'INTERNAL', message: 'An internal error occurred.', details: [] },
    });
    expect(response.rawBody).not.toContain('secret');
  });

  it('maps a domain error to its status and sets Retry-After when it has one', async () => {
    const limited = httpHandler(widgetRoute, async () => {
      throw new DomainError('RATE_LIMITED', 'Too many widgets.', { retryAfterSeconds: 12.2 });
    });

    const response = await invoke(limited, valid);

    expect(response.status).toBe(429);
    expect(response.headers['retry-after']).toBe('13');
    expect(response.body.error).toEqual({ code: 'RATE_LIMITED', message: 'Too many widgets.', details: [] });
  });
});
