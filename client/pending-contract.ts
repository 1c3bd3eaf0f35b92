import type { Message, Room, Session } from './contract';

/**
 * Routes and frames of DESIGN §4 "Resuming and following a stream" and "Real-time events" that
 * the route table and shared/schemas do not define yet. Written from the contract so the client
 * can resume and subscribe today; once the stream-log and WebSocket routes are in the route
 * table, these move into `clientRoutes` (routes.ts) and these shapes are replaced by types
 * derived from their schemas, as in contract.ts.
 */
export const pendingRoutes = {
  getStream: { method: 'GET', path: '/api/chat/streams/{stream_id}', auth: 'jwt', kind: 'http' },
  getStreamEvents: {
    method: 'GET',
    path: '/api/chat/streams/{stream_id}/events',
    auth: 'jwt',
    kind: 'stream',
  },
} as const;

export type PendingRouteId = keyof typeof pendingRoutes;

/** `GET /api/chat/streams/{stream_id}`. */
export interface StreamInfo {
  readonly stream_id: string;
  readonly session_id: string;
  readonly room_id: string;
  readonly request_id: string;
  readonly status: 'running' | 'completed' | 'cancelled' | 'interrupted' | 'error';
  readonly last_seq: number;
}

interface Frame<T extends string, D> {
  readonly type: T;
  /** ISO-8601 time of the change. */
  readonly at: string;
  readonly room_id?: string;
  readonly session_id?: string;
  readonly stream_id?: string;
  readonly data: D;
}

/** A WebSocket frame the server sends to every open connection of the user whose data changed. */
export type RealtimeEvent =
  | Frame<'room.created' | 'room.updated' | 'room.deleted' | 'room.restored', Room>
  | Frame<'session.created', Session>
  | Frame<'session.deleted', { readonly session_id: string }>
  | Frame<'history.cleared', { readonly room_id: string; readonly agent_type?: string | null }>
  | Frame<'message.created', Message>
  | Frame<
      'stream.started',
      {
        readonly stream_id: string;
        readonly session_id: string;
        readonly room_id: string;
        readonly request_id: string;
      }
    >
  | Frame<'stream.ended', { readonly stream_id: string; readonly status: string }>;

export type RealtimeEventType = RealtimeEvent['type'];
