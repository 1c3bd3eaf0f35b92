import { type ChatStream, type ChatStreamOptions, createChatStream, newRequestId } from './chat-stream';
import type {
  AccountDeleted,
  AuditList,
  AuditListQuery,
  ChatMessageInput,
  ClearHistoryInput,
  ClearHistoryResult,
  CreateRoomInput,
  CreateSessionInput,
  CurrentUser,
  DeletedRoom,
  DeletedSession,
  Download,
  Health,
  ListRoomsQuery,
  LocalToken,
  LocalTokenInput,
  ResetSessionInput,
  ResetSessionResult,
  Room,
  RoomExportQuery,
  RoomHistory,
  RoomHistoryQuery,
  RoomList,
  Session,
  Settings,
  StopStreamInput,
  StopStreamResult,
  StreamInfo,
  UpdateRoomInput,
  UpdateSettingsInput,
} from './contract';
import {
  type EventSubscription,
  type EventSubscriptionOptions,
  subscribeToEvents,
  type WebSocketConstructor,
} from './events';
import { clientRoutes } from './routes';
import { type CallOptions, Transport, type TransportOptions } from './transport';

export type { ChatStream, ChatStreamOptions } from './chat-stream';
export type * from './contract';
export { CareGuideApiError, CareGuideNetworkError, isApiError } from './errors';
export type {
  EventSubscription,
  EventSubscriptionOptions,
  SubscriptionState,
  WebSocketConstructor,
  WebSocketLike,
} from './events';
export { clientRoutes } from './routes';
export type { RetryOptions, TokenProvider } from './transport';

export interface CareGuideClientOptions extends TransportOptions {
  /**
   * The events WebSocket. Default: `baseUrl` with `ws:`/`wss:` and the path `/ws`, as the local
   * gateway serves it; on AWS, the WebSocket API's URL.
   */
  readonly websocketUrl?: string;
  /** Default: the global `WebSocket` (browsers, Node 22+); on Node 20 pass `ws`'s. */
  readonly WebSocket?: WebSocketConstructor;
}

interface RequestOptions {
  readonly signal?: AbortSignal;
}

const call = <T>(transport: Transport, id: keyof typeof clientRoutes, options: CallOptions = {}) =>
  transport.call<T>(clientRoutes[id], id, options);

const withSignal = (options: RequestOptions | undefined) =>
  options?.signal ? { signal: options.signal } : {};

/**
 * A typed client of the CareGuide Chat API for browsers and Node 20+: one method per route of the
 * route table, the answer's stream as an async iterable that resumes itself, and the events
 * subscription. Failures throw CareGuideApiError (with the envelope's `code` and the HTTP
 * `status`) or CareGuideNetworkError.
 */
export function createCareGuideClient(options: CareGuideClientOptions) {
  const transport = new Transport(options);
  const websocketUrl =
    options.websocketUrl ?? `${options.baseUrl.replace(/\/+$/, '').replace(/^http/, 'ws')}/ws`;

  const stop = (sessionId: string, body: StopStreamInput = {}, requestOptions?: RequestOptions) =>
    call<StopStreamResult>(transport, 'stopStream', {
      params: { session_id: sessionId },
      body,
      ...withSignal(requestOptions),
    });

  const chat = {
    /**
     * Asks a question; iterate the result for the answer's events. The request starts when the
     * iteration does. A `request_id` is made when none is given, so `stop()` reaches the answer
     * even before it has started.
     */
    send(input: ChatMessageInput, streamOptions: ChatStreamOptions = {}): ChatStream {
      const body = { ...input, request_id: input.request_id ?? newRequestId() };
      return createChatStream(
        {
          transport,
          retryFirst: false,
          requestId: body.request_id,
          open: (signal) =>
            transport.send(clientRoutes.sendChatMessage, 'sendChatMessage', {
              body,
              headers: { accept: 'text/event-stream' },
              ...(signal ? { signal } : {}),
            }),
          stop: ({ streamId, requestId }) =>
            stop(input.session_id, streamId ? { stream_id: streamId } : { request_id: requestId }),
        },
        streamOptions,
      );
    },
    /**
     * Follows a stream that is already running (or replays a finished one from its log), e.g. the
     * session's `active_stream_id` after a page reload: `started`, every delta, then the end.
     */
    follow(
      streamId: string,
      followOptions: ChatStreamOptions & { readonly sessionId?: string; readonly lastEventId?: number } = {},
    ): ChatStream {
      const { lastEventId, sessionId, ...streamOptions } = followOptions;
      return createChatStream(
        {
          transport,
          retryFirst: true,
          requestId: undefined,
          streamId,
          ...(lastEventId === undefined ? {} : { lastEventId }),
          stop: async () => {
            const owner = sessionId ?? (await chat.getStream(streamId)).session_id;
            return stop(owner, { stream_id: streamId });
          },
        },
        streamOptions,
      );
    },
    /** Stops the session's live answer (or the given stream or request) from any device. */
    stop,
    /** A stream's state: `running` until its terminal event, and the last `seq` logged. */
    getStream: (streamId: string, requestOptions?: RequestOptions) =>
      transport.call<StreamInfo>(clientRoutes.getStream, 'getStream', {
        params: { stream_id: streamId },
        ...withSignal(requestOptions),
      }),
  };

  return {
    health: {
      liveness: (o?: RequestOptions) => call<{ status: 'ok' }>(transport, 'getLiveness', withSignal(o)),
      readiness: (o?: RequestOptions) => call<{ status: 'ready' }>(transport, 'getReadiness', withSignal(o)),
      get: (o?: RequestOptions) => call<Health>(transport, 'getHealth', withSignal(o)),
    },
    /** Who the token says the caller is. */
    me: (o?: RequestOptions) => call<CurrentUser>(transport, 'getCurrentUser', withSignal(o)),
    /** "Your data": settings (retention), the audit trail, export and deletion of everything. */
    account: {
      /** The retention of inactive rooms in force, and whether it is the user's or the default. */
      settings: (o?: RequestOptions) => call<Settings>(transport, 'getSettings', withSignal(o)),
      /** `retention_days`: 1-3650, or `null` to keep rooms however long they sit idle. */
      updateSettings: (input: UpdateSettingsInput, o?: RequestOptions) =>
        call<Settings>(transport, 'updateSettings', { body: input, ...withSignal(o) }),
      /** The audit trail, newest first; pass `next_cursor` back as `cursor` for the next page. */
      audit: (query: AuditListQuery = {}, o?: RequestOptions) =>
        call<AuditList>(transport, 'listAuditEvents', { query, ...withSignal(o) }),
      /** Deletes all the user's data (the audit trail stays); sends the required confirmation. */
      delete: (o?: RequestOptions) =>
        call<AccountDeleted>(transport, 'deleteAccount', { body: { confirm: 'DELETE' }, ...withSignal(o) }),
      /**
       * Everything as one JSON document (`careguide-export.json`), read whole into `text`. For very
       * large accounts use `exportResponse()` and read its body as a stream instead.
       */
      export: (o?: RequestOptions): Promise<Download> =>
        transport.download(
          clientRoutes.exportAccount,
          'exportAccount',
          'careguide-export.json',
          withSignal(o),
        ),
      /** The export's raw Response (2xx only; errors throw): `body` is a ReadableStream of the JSON. */
      exportResponse: (o?: RequestOptions): Promise<Response> =>
        transport.send(clientRoutes.exportAccount, 'exportAccount', withSignal(o)),
    },
    rooms: {
      /** With an `idempotencyKey`, a retry answers the same room instead of creating another. */
      create: (input: CreateRoomInput, o?: RequestOptions & { readonly idempotencyKey?: string }) =>
        call<Room>(transport, 'createRoom', {
          body: input,
          ...(o?.idempotencyKey ? { headers: { 'idempotency-key': o.idempotencyKey } } : {}),
          ...withSignal(o),
        }),
      list: (query: ListRoomsQuery = {}, o?: RequestOptions) =>
        call<RoomList>(transport, 'listRooms', { query, ...withSignal(o) }),
      /** @deprecated The old path of `list` (GET /api/chat/rooms); same answer. */
      listViaChatAlias: (query: ListRoomsQuery = {}, o?: RequestOptions) =>
        call<RoomList>(transport, 'listChatRooms', { query, ...withSignal(o) }),
      get: (roomId: string, o?: RequestOptions) =>
        call<Room>(transport, 'getRoom', { params: { room_id: roomId }, ...withSignal(o) }),
      update: (roomId: string, input: UpdateRoomInput, o?: RequestOptions) =>
        call<Room>(transport, 'updateRoom', { params: { room_id: roomId }, body: input, ...withSignal(o) }),
      delete: (roomId: string, o?: RequestOptions) =>
        call<DeletedRoom>(transport, 'deleteRoom', { params: { room_id: roomId }, ...withSignal(o) }),
      restore: (roomId: string, o?: RequestOptions) =>
        call<Room>(transport, 'restoreRoom', { params: { room_id: roomId }, ...withSignal(o) }),
      /** The room with all its messages as a file: JSON (default) or Markdown for people to read. */
      export: (roomId: string, query: RoomExportQuery = {}, o?: RequestOptions): Promise<Download> =>
        transport.download(
          clientRoutes.exportRoom,
          'exportRoom',
          `room-${roomId}.${query.format === 'markdown' ? 'md' : 'json'}`,
          {
            params: { room_id: roomId },
            query,
            headers: { accept: query.format === 'markdown' ? 'text/markdown' : 'application/json' },
            ...withSignal(o),
          },
        ),
      history: (roomId: string, query: RoomHistoryQuery = {}, o?: RequestOptions) =>
        call<RoomHistory>(transport, 'getRoomHistory', {
          params: { room_id: roomId },
          query,
          ...withSignal(o),
        }),
    },
    sessions: {
      create: (input: CreateSessionInput, o?: RequestOptions) =>
        call<Session>(transport, 'createSession', { body: input, ...withSignal(o) }),
      get: (sessionId: string, o?: RequestOptions) =>
        call<Session>(transport, 'getSession', { params: { session_id: sessionId }, ...withSignal(o) }),
      /** Forgets an agent's conversational memory (all agents' without `agent_type`); history stays. */
      reset: (sessionId: string, input: ResetSessionInput = {}, o?: RequestOptions) =>
        call<ResetSessionResult>(transport, 'resetSession', {
          params: { session_id: sessionId },
          body: input,
          ...withSignal(o),
        }),
      /** Deletes the room's stored history (one agent's, or all). */
      clearHistory: (sessionId: string, input: ClearHistoryInput = {}, o?: RequestOptions) =>
        call<ClearHistoryResult>(transport, 'clearSessionHistory', {
          params: { session_id: sessionId },
          body: input,
          ...withSignal(o),
        }),
      delete: (sessionId: string, o?: RequestOptions) =>
        call<DeletedSession>(transport, 'deleteSession', {
          params: { session_id: sessionId },
          ...withSignal(o),
        }),
      stop,
    },
    chat,
    /** Local mode only (`npm start`): a token for any user id. */
    local: {
      createToken: (input: LocalTokenInput, o?: RequestOptions) =>
        call<LocalToken>(transport, 'createLocalToken', { body: input, ...withSignal(o) }),
    },
    /** Subscribes to the signed-in user's changes over WebSocket; reconnects until closed. */
    events: (subscription: EventSubscriptionOptions): EventSubscription =>
      subscribeToEvents(
        {
          url: websocketUrl,
          token: options.token,
          WebSocket: options.WebSocket,
          // Slower than the answer's resume: a subscription waits out longer outages quietly.
          backoff: (attempt) => Math.min(30_000, transport.backoff(attempt) * 2),
        },
        subscription,
      ),
  };
}

export type CareGuideClient = ReturnType<typeof createCareGuideClient>;
