import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '../../../shared/openapi/openapi-document';
import { roomRoutes } from '../../../shared/routes/room-routes';
import { sessionRoutes } from '../../../shared/routes/session-routes';

const document = buildOpenApiDocument({ includeLocalOnly: false, version: 'test' });
// biome-ignore lint/suspicious/noExplicitAny: the document is read as plain JSON.
const operation = (path: string, method: string): any => (document.paths as any)?.[path]?.[method];

describe('room and session routes', () => {
  const all = [...Object.values(roomRoutes), ...Object.values(sessionRoutes)];

  it('are all behind the JWT authorizer', () => {
    expect(all.filter((route) => route.auth !== 'jwt')).toEqual([]);
  });

  it('get only the table access they use: reads RO, streams only where live streams are stopped or lapsed ones finished, the audit table append-only', () => {
    const access = Object.fromEntries(all.map((route) => [route.id, route.access]));

    expect(access).toEqual({
      createRoom: { chatTable: 'RW', auditTable: 'APPEND' },
      listRooms: { chatTable: 'RO', auditTable: 'APPEND' },
      listChatRooms: { chatTable: 'RO', auditTable: 'APPEND' },
      getRoom: { chatTable: 'RO', auditTable: 'APPEND' },
      updateRoom: { chatTable: 'RW', auditTable: 'APPEND' },
      deleteRoom: { chatTable: 'RW', streamsTable: 'RW', auditTable: 'APPEND' },
      restoreRoom: { chatTable: 'RW', auditTable: 'APPEND' },
      // A read that would show a stream whose process died finishes it from its log first.
      getRoomHistory: { chatTable: 'RW', streamsTable: 'RW', auditTable: 'APPEND' },
      createSession: { chatTable: 'RW', auditTable: 'APPEND' },
      getSession: { chatTable: 'RW', streamsTable: 'RW', auditTable: 'APPEND' },
      resetSession: { chatTable: 'RW', auditTable: 'APPEND' },
      clearSessionHistory: { chatTable: 'RW', streamsTable: 'RW', auditTable: 'APPEND' },
      deleteSession: { chatTable: 'RW', streamsTable: 'RW', auditTable: 'APPEND' },
    });
  });
});

describe('their OpenAPI description', () => {
  it('documents the Idempotency-Key header, the 201 headers and Retry-After on 429', () => {
    const create = operation('/api/rooms', 'post');

    expect(create.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ in: 'header', name: 'idempotency-key' })]),
    );
    expect(Object.keys(create.responses['201'].headers)).toEqual(['Location', 'Idempotent-Replayed']);
    expect(create.responses['429'].description).toContain('RATE_LIMITED');
    expect(create.responses['429'].headers).toHaveProperty('Retry-After');
    expect(create.responses['409'].description).toMatch(/ROOM_LIMIT_REACHED.*IDEMPOTENCY_CONFLICT/);
  });

  it('marks the old list path deprecated, with its Deprecation and Link headers', () => {
    const alias = operation('/api/chat/rooms', 'get');

    expect(alias.deprecated).toBe(true);
    expect(Object.keys(alias.responses['200'].headers)).toEqual(['Deprecation', 'Link']);
    expect(operation('/api/rooms', 'get').deprecated).toBeUndefined();
  });

  it('documents the list and history query parameters with their bounds and defaults', () => {
    const list = operation('/api/rooms', 'get');
    const limit = list.parameters.find((parameter: { name: string }) => parameter.name === 'limit');

    expect(list.parameters.map((parameter: { name: string }) => parameter.name)).toEqual([
      'limit',
      'offset',
      'cursor',
      'sort_by',
      'order',
    ]);
    expect(limit.schema).toMatchObject({ minimum: 1, maximum: 100, default: 20 });
    expect(
      operation('/api/rooms/{room_id}/history', 'get').parameters.map(
        (parameter: { name: string }) => parameter.name,
      ),
    ).toEqual(['room_id', 'limit', 'cursor', 'order', 'agent_type']);
  });

  it('documents 410 SESSION_EXPIRED on the session routes that need an active session', () => {
    expect(operation('/api/session/{session_id}', 'get').responses['410'].description).toContain(
      'SESSION_EXPIRED',
    );
    expect(operation('/api/session/{session_id}/reset', 'post').responses['410']).toBeDefined();
    expect(operation('/api/session/{session_id}/history', 'delete').responses['410']).toBeDefined();
    expect(operation('/api/session/{session_id}', 'delete').responses['410']).toBeUndefined();
  });
});
