import { randomBytes, randomUUID } from 'node:crypto';
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
  STATUS_CODES,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { isAbsolute, resolve } from 'node:path';
import type { Duplex } from 'node:stream';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { type WebSocket, WebSocketServer } from 'ws';
import {
  type WebSocketFunction,
  type WebSocketRoute,
  webSocketAuthorizer,
  webSocketRoutes,
} from '../shared/realtime/websocket-functions';
import { lambdaContext } from './lambda-event';

/**
 * The local stand-in for an API Gateway WebSocket API: it accepts upgrades at `/ws` on the
 * gateway's own port, runs the authorizer and the `$connect`, `$default` and `$disconnect`
 * handlers with API Gateway's WebSocket event shapes, and serves the management API
 * (`POST`/`GET`/`DELETE /@connections/{id}`) on a loopback port of its own, which the fan-out's
 * SDK client is pointed at (WEBSOCKET_MANAGEMENT_ENDPOINT). Like the HTTP gateway it decides
 * nothing: who may connect, the limit and the replies are the handlers'.
 *
 * The management endpoint is per process: each gateway holds its own sockets, and a
 * connection item records the endpoint that reaches it (docs/websocket.md, "Local mode").
 */
type Handler = (event: unknown, context: Context) => Promise<unknown>;

/** API Gateway's limits: 128 KB per message; a connection idle for 10 minutes is closed. */
const MAX_MESSAGE_BYTES = 128 * 1024;
const DEFAULT_IDLE_TIMEOUT_MS = 10 * 60_000;
const STAGE = 'local';

interface LocalConnection {
  readonly socket: WebSocket;
  readonly connectedAt: number;
  lastActiveAt: number;
  readonly sourceIp: string;
  readonly userAgent: string;
  readonly authorizer: Record<string, unknown>;
}

export interface LocalWebSocketGateway {
  /** The management API's base URL: what WEBSOCKET_MANAGEMENT_ENDPOINT must be for this process. */
  readonly managementEndpoint: string;
  /** Serves `ws://<gateway>/ws` on the gateway's HTTP server. */
  attach(server: Server): void;
  readonly openConnections: () => number;
  close(): Promise<void>;
}

export interface LocalWebSocketOptions {
  readonly repoRoot: string;
  /** Loopback interface of the management API. @default 127.0.0.1 */
  readonly managementHost?: string;
  /** @default 10 minutes (API Gateway's idle timeout) */
  readonly idleTimeoutMs?: number;
}

function rejectUpgrade(socket: Duplex, status: number, body = ''): void {
  socket.write(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  socket.destroy();
}

const statusOf = (result: unknown): number =>
  typeof result === 'object' && result !== null && 'statusCode' in result
    ? Number((result as { statusCode: unknown }).statusCode)
    : 200;
const bodyOf = (result: unknown): string | undefined =>
  typeof result === 'object' && result !== null && 'body' in result
    ? String((result as { body: unknown }).body ?? '')
    : undefined;

function headersOf(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers))
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  return headers;
}

export async function startLocalWebSocketGateway(
  options: LocalWebSocketOptions,
): Promise<LocalWebSocketGateway> {
  const connections = new Map<string, LocalConnection>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  const loaded = new Map<string, Promise<Handler>>();
  const load = (fn: WebSocketFunction): Promise<Handler> => {
    let handler = loaded.get(fn.id);
    if (!handler) {
      const entry = isAbsolute(fn.handler.entry)
        ? fn.handler.entry
        : resolve(options.repoRoot, fn.handler.entry);
      handler = import(pathToFileURL(entry).href).then((module) => module[fn.handler.export] as Handler);
      loaded.set(fn.id, handler);
    }
    return handler;
  };
  const route = (routeKey: WebSocketRoute['routeKey']): WebSocketRoute => {
    const found = webSocketRoutes.find((candidate) => candidate.routeKey === routeKey);
    if (!found) throw new Error(`No WebSocket route ${routeKey}`);
    return found;
  };
  const invoke = async (fn: WebSocketFunction, event: unknown) =>
    (await load(fn))(event, lambdaContext(fn.id, 30_000));

  const requestContext = (
    routeKey: string,
    eventType: 'CONNECT' | 'MESSAGE' | 'DISCONNECT',
    connectionId: string,
    domainName: string,
    identity: { sourceIp: string; userAgent: string },
  ) => {
    const now = Date.now();
    return {
      routeKey,
      eventType,
      messageDirection: 'IN',
      extendedRequestId: randomUUID(),
      requestTime: new Date(now).toUTCString(),
      requestTimeEpoch: now,
      stage: STAGE,
      connectedAt: connections.get(connectionId)?.connectedAt ?? now,
      identity,
      requestId: randomUUID(),
      domainName,
      connectionId,
      apiId: 'local',
    };
  };

  async function handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== '/ws') return rejectUpgrade(socket, 404, JSON.stringify({ message: 'Not Found' }));
    const connectionId = `${randomBytes(12).toString('base64url')}`;
    const domainName = request.headers.host ?? 'localhost';
    const identity = {
      sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
      userAgent: request.headers['user-agent'] ?? '',
    };
    const headers = headersOf(request);
    const query = Object.fromEntries(url.searchParams.entries());
    const context = requestContext('$connect', 'CONNECT', connectionId, domainName, identity);

    // The authorizer's identity source is the `token` query parameter: without one, API Gateway
    // answers 401 without calling it.
    if (!url.searchParams.get('token'))
      return rejectUpgrade(socket, 401, JSON.stringify({ message: 'Unauthorized' }));
    let authorizer: Record<string, unknown>;
    try {
      const policy = (await invoke(webSocketAuthorizer, {
        type: 'REQUEST',
        methodArn: `arn:aws:execute-api:local:000000000000:local/${STAGE}/$connect`,
        headers,
        queryStringParameters: query,
        stageVariables: {},
        requestContext: context,
      })) as {
        principalId?: string;
        policyDocument?: { Statement?: { Effect?: string }[] };
        context?: object;
      };
      if (policy.policyDocument?.Statement?.some((statement) => statement.Effect !== 'Allow'))
        return rejectUpgrade(socket, 403, JSON.stringify({ message: 'Forbidden' }));
      authorizer = { ...policy.context, principalId: policy.principalId };
    } catch {
      return rejectUpgrade(socket, 401, JSON.stringify({ message: 'Unauthorized' }));
    }

    const connected = await invoke(route('$connect'), {
      headers,
      queryStringParameters: query,
      requestContext: { ...context, authorizer },
      isBase64Encoded: false,
    });
    const status = statusOf(connected);
    if (status < 200 || status >= 300) return rejectUpgrade(socket, status, bodyOf(connected) ?? '');

    // $disconnect once, whether the socket closes after the upgrade or the client left during it.
    let disconnected = false;
    const disconnect = (code: number, reason: string) => {
      if (disconnected) return;
      disconnected = true;
      connections.delete(connectionId);
      invoke(route('$disconnect'), {
        headers,
        requestContext: {
          ...requestContext('$disconnect', 'DISCONNECT', connectionId, domainName, identity),
          disconnectStatusCode: code,
          disconnectReason: reason,
          authorizer,
        },
        isBase64Encoded: false,
      }).catch((error: unknown) => {
        console.error('[websocket] $disconnect failed:', (error as Error)?.stack ?? error);
      });
    };
    if (socket.destroyed) return disconnect(1006, 'Closed during the handshake');
    let upgraded = false;
    socket.once('close', () => {
      if (!upgraded) disconnect(1006, 'Closed during the handshake');
    });
    wss.handleUpgrade(request, socket, head, (ws) => {
      upgraded = true;
      const now = Date.now();
      connections.set(connectionId, {
        socket: ws,
        connectedAt: now,
        lastActiveAt: now,
        ...identity,
        authorizer,
      });
      ws.on('message', (data, isBinary) => {
        const connection = connections.get(connectionId);
        if (connection) connection.lastActiveAt = Date.now();
        const body = isBinary
          ? Buffer.from(data as Buffer).toString('base64')
          : Buffer.from(data as Buffer).toString('utf8');
        invoke(route('$default'), {
          requestContext: {
            ...requestContext('$default', 'MESSAGE', connectionId, domainName, identity),
            messageId: randomUUID(),
            authorizer,
          },
          body,
          isBase64Encoded: isBinary,
        })
          .then((result) => {
            const reply = bodyOf(result);
            if (reply !== undefined && ws.readyState === ws.OPEN) ws.send(reply);
          })
          .catch((error: unknown) => {
            console.error('[websocket] $default failed:', (error as Error)?.stack ?? error);
            if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ message: 'Internal server error' }));
          });
      });
      ws.on('close', (code, reason) => disconnect(code, reason.toString()));
    });
  }

  // The management API, as the SDK's ApiGatewayManagementApiClient calls it.
  const gone = (response: ServerResponse) => {
    response.writeHead(410, { 'content-type': 'application/json', 'x-amzn-errortype': 'GoneException' });
    response.end(JSON.stringify({ message: 'The connection is gone.' }));
  };
  const management = createServer((request, response) => {
    const match = /^\/@connections\/([^/]+)$/.exec(new URL(request.url ?? '/', 'http://localhost').pathname);
    if (!match?.[1]) {
      response.writeHead(404, { 'content-type': 'application/json' });
      return response.end(JSON.stringify({ message: 'Not Found' }));
    }
    const connectionId = decodeURIComponent(match[1]);
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const connection = connections.get(connectionId);
      if (!connection || connection.socket.readyState !== connection.socket.OPEN) return gone(response);
      if (request.method === 'POST') {
        const data = Buffer.concat(chunks);
        if (data.length > MAX_MESSAGE_BYTES) {
          response.writeHead(413, {
            'content-type': 'application/json',
            'x-amzn-errortype': 'PayloadTooLargeException',
          });
          return response.end(JSON.stringify({ message: 'Payload too large' }));
        }
        connection.lastActiveAt = Date.now();
        connection.socket.send(data.toString('utf8'));
        response.writeHead(200, { 'content-type': 'application/json' });
        return response.end('{}');
      }
      if (request.method === 'GET') {
        response.writeHead(200, { 'content-type': 'application/json' });
        return response.end(
          JSON.stringify({
            ConnectedAt: new Date(connection.connectedAt).toISOString(),
            LastActiveAt: new Date(connection.lastActiveAt).toISOString(),
            Identity: { SourceIp: connection.sourceIp, UserAgent: connection.userAgent },
          }),
        );
      }
      if (request.method === 'DELETE') {
        connection.socket.close(1000, 'Closed by the server');
        response.writeHead(204);
        return response.end();
      }
      response.writeHead(405, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ message: 'Method Not Allowed' }));
    });
  });
  await new Promise<void>((resolveListen, rejectListen) => {
    management.once('error', rejectListen);
    management.listen(0, options.managementHost ?? '127.0.0.1', () => resolveListen());
  });
  const address = management.address() as AddressInfo;

  const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const idleCheck = setInterval(
    () => {
      const cutoff = Date.now() - idleTimeoutMs;
      for (const connection of connections.values())
        if (connection.lastActiveAt < cutoff) connection.socket.close(1001, 'Going away (idle)');
    },
    Math.min(60_000, idleTimeoutMs),
  );
  idleCheck.unref();

  return {
    managementEndpoint: `http://${address.address}:${address.port}`,
    attach(server) {
      server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
        handleUpgrade(request, socket, head).catch((error: unknown) => {
          console.error('[websocket] handshake failed:', (error as Error)?.stack ?? error);
          rejectUpgrade(socket, 500, JSON.stringify({ message: 'Internal server error' }));
        });
      });
    },
    openConnections: () => connections.size,
    async close() {
      clearInterval(idleCheck);
      const closing = [...connections.values()].map(
        (connection) =>
          new Promise<void>((resolveClose) => {
            connection.socket.once('close', () => resolveClose());
            connection.socket.close(1001, 'Going away');
            setTimeout(() => {
              connection.socket.terminate();
              resolveClose();
            }, 500).unref();
          }),
      );
      await Promise.all(closing);
      await new Promise<void>((resolveClose) => {
        management.closeAllConnections();
        management.close(() => resolveClose());
      });
    },
  };
}
