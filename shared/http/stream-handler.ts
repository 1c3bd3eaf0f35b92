import { Readable } from 'node:stream';
import type { Logger } from '@aws-lambda-powertools/logger';
import middy, { type MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import type { z } from 'zod';
import { bearerToken, type TokenVerifier } from '../auth/token-verifier';
import { getConfig } from '../config/config';
import type { Clock } from '../domain/clock';
import { DomainError } from '../domain/errors';
import { logger } from '../observability/powertools';
import type { RouteDefinition } from '../routes/route-definition';
import { auditedWork } from './audit';
import { errorEnvelope, invocationOf, pipelineStart, requestValidation, setSubject } from './middlewares';
import { headerValue } from './request-parser';
import { encodeServerSentEvent } from './sse';

type PartOf<
  R extends RouteDefinition,
  K extends 'body' | 'params' | 'query' | 'headers',
> = R['request'] extends { readonly [P in K]: infer S }
  ? S extends z.ZodType
    ? z.output<S>
    : undefined
  : undefined;

/** A stream request after the JWT check and validation, typed by the route's schemas. */
export interface StreamRequest<R extends RouteDefinition> {
  readonly body: PartOf<R, 'body'>;
  readonly params: PartOf<R, 'params'>;
  readonly query: PartOf<R, 'query'>;
  readonly headers: PartOf<R, 'headers'>;
  readonly userId: string;
  /** When the request arrived (injected clock). */
  readonly receivedAt: Date;
  readonly context: Context;
  /** A logger for this request only (local servers run requests side by side). */
  readonly log: Logger;
}

/** One server-sent event: its `id:` (what a client resumes from with `Last-Event-ID`) and its JSON. */
export interface ServerSentEvent {
  readonly id: number;
  readonly event: unknown;
}

/**
 * What a stream route hands back once its pre-checks passed: the events, as SSE `id:` + `data:`
 * lines — or, for a `download` body, the body's text in chunks.
 */
export type StreamRouteHandler<R extends RouteDefinition> = (
  request: StreamRequest<R>,
) => Promise<AsyncIterable<ServerSentEvent> | AsyncIterable<string>>;

export interface StreamHandlerOptions {
  readonly verifier: TokenVerifier;
  readonly clock: Clock;
  /**
   * `events` (default): each value the route yields is one server-sent event (`id:` + `data:`).
   * `download`: the route yields the body's text in chunks, sent as they come with these
   * headers (content type, `Content-Disposition`): a body of any size in flat memory.
   */
  readonly body?:
    | { readonly kind: 'events' }
    | { readonly kind: 'download'; readonly headers: Record<string, string> };
}

export const eventStreamHeaders: Readonly<Record<string, string>> = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  'x-content-type-options': 'nosniff',
  // Proxies (nginx and kin) must pass events through as they come.
  'x-accel-buffering': 'no',
};

async function* serverSentEvents(events: AsyncIterable<ServerSentEvent>): AsyncGenerator<string> {
  for await (const { id, event } of events) yield encodeServerSentEvent(event, id);
}

/**
 * A function URL passes the raw path and no path parameters (it has no routes): they are read
 * from the path by the route's template. The local gateway passes them as API Gateway would.
 */
export function withPathParameters(
  route: RouteDefinition,
  event: APIGatewayProxyEventV2,
): APIGatewayProxyEventV2 {
  if (event.pathParameters || !route.path.includes('{')) return event;
  const names: string[] = [];
  const pattern = route.path
    .split('/')
    .map((segment) => {
      const name = /^\{(\w+)\}$/.exec(segment)?.[1];
      if (!name) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(name);
      return '([^/]+)';
    })
    .join('/');
  const found = new RegExp(`^${pattern}$`).exec(event.rawPath ?? '');
  if (!found) return event;
  const pathParameters: Record<string, string> = {};
  names.forEach((name, index) => {
    pathParameters[name] = decodePathSegment(found[index + 1] ?? '');
  });
  return { ...event, pathParameters };
}

/** A malformed percent-encoding is the client's mistake: 400, never a URIError's 500. */
function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new DomainError('VALIDATION_ERROR', 'The request path is not valid percent-encoded UTF-8.');
  }
}

/** Function URLs have no routes: the path parameters come from the route's template. */
const pathParameters = (
  route: RouteDefinition,
): MiddlewareObj<APIGatewayProxyEventV2, unknown, Error, Context> => ({
  before: ({ event }) => {
    // Mutated, not replaced: the pipeline's state is keyed by the event object.
    event.pathParameters = withPathParameters(route, event).pathParameters;
  },
});

async function* textChunks(chunks: AsyncIterable<unknown>): AsyncGenerator<string> {
  for await (const chunk of chunks) yield String(chunk);
}

/** The bearer token, verified here (401 in the envelope, with `WWW-Authenticate: Bearer`). */
const bearerAuthentication = (
  verifier: TokenVerifier,
): MiddlewareObj<APIGatewayProxyEventV2, unknown, Error, Context> => ({
  before: async ({ event }) => {
    const token = bearerToken(headerValue(event.headers, 'authorization'));
    if (!token) throw new DomainError('UNAUTHORIZED', 'A valid bearer token is required.');
    const { sub } = await verifier.verify(token);
    setSubject(event, sub);
  },
});

/**
 * The streaming counterpart of `httpHandler`, for Lambda function URLs in RESPONSE_STREAM mode
 * (and the local gateway's `awslambda` shim): middy with `streamifyResponse`. Everything that
 * can fail before the first byte does so as an ordinary JSON error with its status — the
 * bearer token (verified here: function URLs have no authorizer; 401 in the envelope), then
 * the shared request pipeline (64 KB body limit, JSON, zod validation, `user_id` rule), then
 * the route's own pre-checks. After that: 200 `text/event-stream`, an `id:` and a `data: <json>` line per event.
 *
 * The same middlewares as `httpHandler` (./middlewares.ts), but the user comes from the bearer
 * token verified here, not from an authorizer. No Powertools middlewares: they finish in
 * middy's `after` phase, which runs before the body is piped. The stream publishes its own metrics when it ends (shared/observability/stream-telemetry.ts).
 */
export function streamHandler<R extends RouteDefinition>(
  route: R,
  options: StreamHandlerOptions,
  handle: StreamRouteHandler<R>,
) {
  const { MAX_REQUEST_BODY_BYTES } = getConfig();

  const core = async (
    event: APIGatewayProxyEventV2,
    context: Context,
  ): Promise<{ statusCode: number; headers: Record<string, string>; body: Readable }> => {
    const invocation = invocationOf(event);
    const { log, sub, startedAt } = invocation;
    const receivedAt = invocation.receivedAt ?? options.clock.now();
    const requestId = event.requestContext?.requestId ?? context.awsRequestId;
    const events = await auditedWork(
      route,
      event,
      invocation,
      { requestId, at: receivedAt, maxBodyBytes: MAX_REQUEST_BODY_BYTES },
      (parsed) =>
        handle({
          body: parsed.body as StreamRequest<R>['body'],
          params: parsed.params as StreamRequest<R>['params'],
          query: parsed.query as StreamRequest<R>['query'],
          headers: parsed.headers as StreamRequest<R>['headers'],
          userId: sub as string,
          receivedAt,
          context,
          log,
        }),
    );
    log.info('Stream accepted', { duration_ms: Math.round((performance.now() - startedAt) * 100) / 100 });
    const body = options.body ?? { kind: 'events' };
    if (body.kind === 'download') {
      return {
        statusCode: 200,
        headers: { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...body.headers },
        body: Readable.from(textChunks(events as AsyncIterable<string>)),
      };
    }
    return {
      statusCode: 200,
      headers: { ...eventStreamHeaders },
      body: Readable.from(serverSentEvents(events as AsyncIterable<ServerSentEvent>)),
    };
  };

  return middy(core, { streamifyResponse: true })
    .use(
      pipelineStart(route, {
        clock: options.clock,
        logOf: (context) => {
          // A logger for this request only: local servers run requests side by side.
          const log = logger.createChild();
          log.addContext(context);
          return log;
        },
        // The stream logs its own end (shared/observability/stream-telemetry.ts).
        logSuccess: false,
      }),
    )
    .use(bearerAuthentication(options.verifier))
    .use(pathParameters(route))
    .use(requestValidation(route, { maxBodyBytes: MAX_REQUEST_BODY_BYTES }))
    .use(errorEnvelope({ bearerChallenge: true }));
}
