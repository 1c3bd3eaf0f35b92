/**
 * The client's types, derived from the server's own route table and zod schemas: a change to a
 * schema changes these types, and a route added to the table without a client method fails the
 * typecheck (see `clientRoutes` in routes.ts). Type-only imports: nothing of zod or the server
 * reaches a browser bundle.
 */
import type { z } from 'zod';
import type { EventFrame, EventType } from '../shared/realtime/frames';
import type { routes } from '../shared/routes/route-table';
import type { ChatStreamEvent as ChatStreamEventSchemaType } from '../shared/schemas/chat';
import type { errorBodySchema } from '../shared/schemas/envelope';

type RouteTable = typeof routes;
export type RouteId = keyof RouteTable;
type Route<K extends RouteId> = RouteTable[K];

type SuccessResponse<K extends RouteId> = Route<K>['responses'][keyof Route<K>['responses']];

/** The `data` of a route's success body. */
export type ResponseData<K extends RouteId> =
  SuccessResponse<K> extends { schema: infer S extends z.ZodType }
    ? z.output<S> extends { data: infer D }
      ? D
      : z.output<S>
    : never;

/** A route's JSON body as a caller writes it (before defaults and trimming). */
export type RequestBody<K extends RouteId> =
  Route<K> extends { request: { body: infer B extends z.ZodType } } ? z.input<B> : never;

/**
 * A route's query parameters. Every one has a default or is optional on the server, and the
 * schemas coerce strings, so the caller's view is the parsed shape, all optional.
 */
export type RequestQuery<K extends RouteId> =
  Route<K> extends {
    request: { query: infer Q extends z.ZodType };
  }
    ? Partial<z.output<Q>>
    : never;

export type Room = ResponseData<'getRoom'>;
export type RoomList = ResponseData<'listRooms'>;
export type DeletedRoom = ResponseData<'deleteRoom'>;
export type RoomHistory = ResponseData<'getRoomHistory'>;
export type Message = RoomHistory['messages'][number];
export type Session = ResponseData<'getSession'>;
export type ResetSessionResult = ResponseData<'resetSession'>;
export type ClearHistoryResult = ResponseData<'clearSessionHistory'>;
export type DeletedSession = ResponseData<'deleteSession'>;
export type StopStreamResult = ResponseData<'stopStream'>;
/** `GET /api/chat/streams/{stream_id}`: a stream's state and the seq of its last logged delta. */
export type StreamInfo = ResponseData<'getStream'>;
/** A WebSocket frame the server sends to every open connection of the user whose data changed. */
export type RealtimeEvent = EventFrame;
export type RealtimeEventType = EventType;
export type Health = ResponseData<'getHealth'>;
export type CurrentUser = ResponseData<'getCurrentUser'>;
export type LocalToken = ResponseData<'createLocalToken'>;
export type LocalTokenInput = RequestBody<'createLocalToken'>;
/** `GET /api/me/settings`: the retention in force and whether it is the user's or the default. */
export type Settings = ResponseData<'getSettings'>;
export type AuditList = ResponseData<'listAuditEvents'>;
export type AuditEvent = AuditList['events'][number];
export type AccountDeleted = ResponseData<'deleteAccount'>;
export type UpdateSettingsInput = RequestBody<'updateSettings'>;
export type AuditListQuery = RequestQuery<'listAuditEvents'>;
export type RoomExportQuery = RequestQuery<'exportRoom'>;
export type ExportFormat = NonNullable<RoomExportQuery['format']>;

/** A downloaded file (room or account export): save `text` under `filename` (e.g. as a Blob). */
export interface Download {
  /** From the answer's Content-Disposition, else the name the server gives such a file. */
  readonly filename: string;
  readonly contentType: string;
  readonly text: string;
}

export type CreateRoomInput = RequestBody<'createRoom'>;
export type UpdateRoomInput = RequestBody<'updateRoom'>;
export type ListRoomsQuery = RequestQuery<'listRooms'>;
export type RoomHistoryQuery = RequestQuery<'getRoomHistory'>;
export type CreateSessionInput = RequestBody<'createSession'>;
export type ResetSessionInput = RequestBody<'resetSession'>;
export type ClearHistoryInput = RequestBody<'clearSessionHistory'>;
export type StopStreamInput = RequestBody<'stopStream'>;
export type ChatMessageInput = RequestBody<'sendChatMessage'>;
export type AgentType = NonNullable<CreateSessionInput['agent_type']>;

/** One event of an answer's stream (`data:` of the event stream). */
export type ChatStreamEvent = ChatStreamEventSchemaType;
export type ChatStreamTerminalEvent = Extract<
  ChatStreamEvent,
  { status: 'completed' | 'cancelled' | 'error' }
>;

/** The codes of the error envelope `{"error": {"code", ...}}`. */
export type ApiErrorCode = z.output<typeof errorBodySchema>['error']['code'];
export type ApiErrorDetail = z.output<typeof errorBodySchema>['error']['details'][number];

/** What a route is, as far as a client cares: where it lives and whether it needs the token. */
export type ClientRoute<K extends RouteId> = {
  readonly method: Route<K>['method'];
  readonly path: Route<K>['path'];
  readonly auth: Route<K>['auth'];
  readonly kind: Route<K>['kind'];
};
