import type { ClientRoute, RouteId } from './contract';

/**
 * Where each route of the route table lives. `satisfies` ties every entry to the table's own
 * method, path, auth and kind: a route added to the table, or one whose path changes, fails the
 * typecheck here until the client follows.
 */
export const clientRoutes = {
  getLiveness: { method: 'GET', path: '/healthz', auth: 'none', kind: 'http' },
  getReadiness: { method: 'GET', path: '/readyz', auth: 'none', kind: 'http' },
  getHealth: { method: 'GET', path: '/api/health', auth: 'none', kind: 'http' },
  getCurrentUser: { method: 'GET', path: '/api/me', auth: 'jwt', kind: 'http' },
  deleteAccount: { method: 'DELETE', path: '/api/me', auth: 'jwt', kind: 'http' },
  getSettings: { method: 'GET', path: '/api/me/settings', auth: 'jwt', kind: 'http' },
  updateSettings: { method: 'PATCH', path: '/api/me/settings', auth: 'jwt', kind: 'http' },
  listAuditEvents: { method: 'GET', path: '/api/me/audit', auth: 'jwt', kind: 'http' },
  exportRoom: { method: 'GET', path: '/api/rooms/{room_id}/export', auth: 'jwt', kind: 'http' },
  exportAccount: { method: 'GET', path: '/api/me/export', auth: 'jwt', kind: 'stream' },
  createRoom: { method: 'POST', path: '/api/rooms', auth: 'jwt', kind: 'http' },
  listRooms: { method: 'GET', path: '/api/rooms', auth: 'jwt', kind: 'http' },
  listChatRooms: { method: 'GET', path: '/api/chat/rooms', auth: 'jwt', kind: 'http' },
  getRoom: { method: 'GET', path: '/api/rooms/{room_id}', auth: 'jwt', kind: 'http' },
  updateRoom: { method: 'PATCH', path: '/api/rooms/{room_id}', auth: 'jwt', kind: 'http' },
  deleteRoom: { method: 'DELETE', path: '/api/rooms/{room_id}', auth: 'jwt', kind: 'http' },
  restoreRoom: { method: 'POST', path: '/api/rooms/{room_id}/restore', auth: 'jwt', kind: 'http' },
  getRoomHistory: { method: 'GET', path: '/api/rooms/{room_id}/history', auth: 'jwt', kind: 'http' },
  createSession: { method: 'POST', path: '/api/session/create', auth: 'jwt', kind: 'http' },
  getSession: { method: 'GET', path: '/api/session/{session_id}', auth: 'jwt', kind: 'http' },
  resetSession: { method: 'POST', path: '/api/session/{session_id}/reset', auth: 'jwt', kind: 'http' },
  clearSessionHistory: {
    method: 'DELETE',
    path: '/api/session/{session_id}/history',
    auth: 'jwt',
    kind: 'http',
  },
  deleteSession: { method: 'DELETE', path: '/api/session/{session_id}', auth: 'jwt', kind: 'http' },
  stopStream: { method: 'POST', path: '/api/session/{session_id}/stop', auth: 'jwt', kind: 'http' },
  sendChatMessage: { method: 'POST', path: '/api/chat/message', auth: 'jwt', kind: 'stream' },
  getStream: { method: 'GET', path: '/api/chat/streams/{stream_id}', auth: 'jwt', kind: 'http' },
  streamEvents: {
    method: 'GET',
    path: '/api/chat/streams/{stream_id}/events',
    auth: 'jwt',
    kind: 'stream',
  },
  createLocalToken: { method: 'POST', path: '/local/token', auth: 'none', kind: 'http' },
} as const satisfies { readonly [K in RouteId]: ClientRoute<K> };

export interface RouteAddress {
  readonly method: string;
  readonly path: string;
  readonly auth: 'jwt' | 'none';
  readonly kind: 'http' | 'stream';
}

/** `/api/rooms/{room_id}` + `{room_id: 'r 1'}` → `/api/rooms/r%201`. */
export function fillPath(path: string, params: Readonly<Record<string, string>> = {}): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined || value === '') throw new TypeError(`missing path parameter ${name}`);
    return encodeURIComponent(value);
  });
}
