import './awslambda-shim';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { bearerToken, type TokenVerifier } from '../shared/auth/token-verifier';
import { corsPolicy } from '../shared/http/cors';
import type { RouteDefinition } from '../shared/routes/route-definition';
import { isStreamingHandler, LocalResponseStream } from './awslambda-shim';
import { type JwtClaims, lambdaContext, toApiGatewayEvent } from './lambda-event';
import { createRouteMatcher } from './route-matcher';

/**
 * The local stand-in for API Gateway (HTTP API) and Lambda function URLs: it adapts HTTP to
 * Lambda events and back, emulates the JWT authorizer and CORS, and nothing else. Anything
 * here that decides a business outcome is a bug: that belongs in the handlers.
 */
export interface GatewayOptions {
  readonly routes: readonly RouteDefinition[];
  readonly verifier: TokenVerifier;
  readonly corsAllowedOrigins: readonly string[];
  readonly repoRoot: string;
  readonly port?: number;
  readonly host?: string;
  /** Static documents served as they are (e.g. `/openapi.json`, the API reference, the web app). */
  readonly staticDocuments?: Readonly<
    Record<string, { readonly contentType: string; readonly body: string | Uint8Array }>
  >;
  /** Function timeout for the Lambda context (ms). */
  readonly functionTimeoutMs?: number;
}

export interface RunningGateway {
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

/** API Gateway's own answers, which the real one gives and cannot be changed. */
const gatewayAnswers = {
  badRequest: { status: 400, body: { message: 'Bad Request' } },
  unauthorized: { status: 401, body: { message: 'Unauthorized' } },
  notFound: { status: 404, body: { message: 'Not Found' } },
  tooLarge: { status: 413, body: { message: 'Request Entity Too Large' } },
  internal: { status: 500, body: { message: 'Internal Server Error' } },
} as const;

/** API Gateway HTTP APIs accept payloads up to 10 MB; handlers apply the API's own limit. */
const GATEWAY_MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

type LambdaHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<unknown>;

function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

async function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > GATEWAY_MAX_PAYLOAD_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Writes a buffered Lambda result as API Gateway (payload format 2.0) does. */
function sendLambdaResult(response: ServerResponse, result: unknown, extraHeaders: Record<string, string>) {
  if (result === null || typeof result !== 'object' || !('statusCode' in result)) {
    // A result without statusCode is taken as a JSON body with status 200.
    return sendJson(response, 200, result ?? null, extraHeaders);
  }
  const structured = result as APIGatewayProxyStructuredResultV2;
  const headers: Record<string, string | string[]> = { ...extraHeaders };
  for (const [name, value] of Object.entries(structured.headers ?? {}))
    headers[name.toLowerCase()] = String(value);
  if (structured.cookies?.length) headers['set-cookie'] = structured.cookies;
  const body = structured.body ?? '';
  response.writeHead(structured.statusCode ?? 200, headers);
  response.end(structured.isBase64Encoded ? Buffer.from(body, 'base64') : body);
}

export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const matcher = createRouteMatcher(options.routes);
  const cors = corsPolicy(options.corsAllowedOrigins);
  const handlers = new Map<string, Promise<LambdaHandler>>();
  const timeoutMs = options.functionTimeoutMs ?? 900_000;

  const loadHandler = (route: RouteDefinition): Promise<LambdaHandler> => {
    let loading = handlers.get(route.id);
    if (!loading) {
      const entry = isAbsolute(route.handler.entry)
        ? route.handler.entry
        : resolve(options.repoRoot, route.handler.entry);
      loading = import(pathToFileURL(entry).href).then(
        (module) => module[route.handler.export] as LambdaHandler,
      );
      handlers.set(route.id, loading);
    }
    return loading;
  };

  const authorize = async (request: IncomingMessage): Promise<JwtClaims | undefined> => {
    const token = bearerToken(request.headers.authorization);
    if (!token) return undefined;
    try {
      const verified = await options.verifier.verify(token);
      return Object.fromEntries(
        Object.entries(verified.claims).map(([key, value]) => [
          key,
          Array.isArray(value) ? `[${value.join(' ')}]` : String(value),
        ]),
      );
    } catch {
      return undefined;
    }
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const method = (request.method ?? 'GET').toUpperCase();
    const corsHeaders = cors.responseHeaders(request.headers.origin);

    if (method === 'OPTIONS' && request.headers['access-control-request-method']) {
      const preflight = cors.preflightHeaders(request.headers.origin, matcher.methodsFor(url.pathname));
      response.writeHead(204, preflight);
      return response.end();
    }

    const staticDocument = options.staticDocuments?.[url.pathname];
    const readsDocument = method === 'GET' || method === 'HEAD';
    if (staticDocument && readsDocument) {
      response.writeHead(200, {
        'content-type': staticDocument.contentType,
        'x-content-type-options': 'nosniff',
        ...corsHeaders,
      });
      return response.end(method === 'HEAD' ? undefined : staticDocument.body);
    }
    // A folder of static documents asked for without its slash (`/docs`): its relative links need it.
    if (readsDocument && options.staticDocuments?.[`${url.pathname}/`]) {
      response.writeHead(308, { location: `${url.pathname}/${url.search}`, ...corsHeaders });
      return response.end();
    }

    const matched = matcher.match(method, url.pathname);
    if (!matched)
      return sendJson(response, gatewayAnswers.notFound.status, gatewayAnswers.notFound.body, corsHeaders);
    // A path that is not valid percent-encoded UTF-8 never reaches a handler (API Gateway
    // refuses it too); it is the client's error, not a 500.
    if (matched.malformed)
      return sendJson(
        response,
        gatewayAnswers.badRequest.status,
        gatewayAnswers.badRequest.body,
        corsHeaders,
      );
    const { route, pathParameters } = matched;

    const body = await readBody(request);
    if (!body)
      return sendJson(response, gatewayAnswers.tooLarge.status, gatewayAnswers.tooLarge.body, corsHeaders);

    // The HTTP API's JWT authorizer guards `jwt` routes; function URLs (`stream`) check in code.
    let claims: JwtClaims | undefined;
    if (route.auth === 'jwt' && route.kind === 'http') {
      claims = await authorize(request);
      if (!claims) {
        return sendJson(response, gatewayAnswers.unauthorized.status, gatewayAnswers.unauthorized.body, {
          ...corsHeaders,
          'www-authenticate': 'Bearer',
        });
      }
    }

    const routeKey = route.kind === 'stream' ? '$default' : `${route.method} ${route.path}`;
    const event = toApiGatewayEvent({ request, url, body, routeKey, pathParameters, claims });
    const context = lambdaContext(route.id, timeoutMs);
    const handler = await loadHandler(route);

    if (isStreamingHandler(handler)) {
      const stream = new LocalResponseStream(response);
      for (const [name, value] of Object.entries(corsHeaders)) response.setHeader(name, value);
      await handler(event, stream, context);
      if (!stream.writableFinished) stream.end();
      return;
    }
    sendLambdaResult(response, await handler(event, context), corsHeaders);
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      // What API Gateway answers when the integration fails; the error stays in this log.
      console.error(`[gateway] ${request.method} ${request.url} failed:`, (error as Error)?.stack ?? error);
      if (!response.headersSent)
        sendJson(response, gatewayAnswers.internal.status, gatewayAnswers.internal.body);
      else response.end();
    });
  });
  // Streams can outlive Node's default request timeouts, as on Lambda.
  server.requestTimeout = 0;
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolveListen, rejectListen) => {
    server.once('error', rejectListen);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolveListen());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    server,
    close: () =>
      new Promise<void>((resolveClose) => {
        server.closeAllConnections();
        server.close(() => resolveClose());
      }),
  };
}
