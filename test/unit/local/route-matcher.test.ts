import { describe, expect, it } from 'vitest';
import { createRouteMatcher } from '../../../local/route-matcher';
import type { RouteDefinition } from '../../../shared/routes/route-definition';
import { routeTable } from '../../../shared/routes/route-table';

const route = (id: string, method: RouteDefinition['method'], path: string) =>
  ({ id, method, path, handler: { entry: `${id}.ts`, export: 'handler' } }) as unknown as RouteDefinition;

describe('the local route matcher', () => {
  const matcher = createRouteMatcher([
    route('getRoom', 'GET', '/api/rooms/{room_id}'),
    route('restoreRoom', 'POST', '/api/rooms/{room_id}/restore'),
    route('listRooms', 'GET', '/api/rooms'),
    route('searchRooms', 'GET', '/api/rooms/search'),
  ]);

  it('matches templates and decodes path parameters', () => {
    expect(matcher.match('GET', '/api/rooms/room%201')).toMatchObject({
      route: { id: 'getRoom' },
      pathParameters: { room_id: 'room 1' },
    });
    expect(matcher.match('POST', '/api/rooms/r1/restore')?.route.id).toBe('restoreRoom');
  });

  it.each(['%ZZ', '%', 'room%2', '%C0%AF', '%E0%80%80', '%ED%A0%80'])(
    'marks a parameter that is not valid percent-encoded UTF-8 (%s) as malformed instead of throwing',
    (segment) => {
      expect(matcher.match('GET', `/api/rooms/${segment}`)).toEqual({
        route: expect.objectContaining({ id: 'getRoom' }),
        pathParameters: undefined,
        malformed: true,
      });
    },
  );

  it('prefers a literal segment over a parameter, as API Gateway does', () => {
    expect(matcher.match('GET', '/api/rooms/search')?.route.id).toBe('searchRooms');
  });

  it('matches nothing for another method or a longer path', () => {
    expect(matcher.match('DELETE', '/api/rooms')).toBeUndefined();
    expect(matcher.match('GET', '/api/rooms/r1/extra')).toBeUndefined();
  });

  it('lists the methods of a path for CORS preflight', () => {
    expect(matcher.methodsFor('/api/rooms/r1/restore')).toEqual(['POST']);
  });

  it('serves every route of the route table at its own path', () => {
    const real = createRouteMatcher(routeTable);
    for (const candidate of routeTable) {
      const path = candidate.path.replace(/\{(\w+)\}/g, 'x1');
      expect(real.match(candidate.method, path)?.route.id).toBe(candidate.id);
    }
  });
});
