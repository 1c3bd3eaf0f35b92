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

/** A stream request after the JWT check and validation, typed by the route's body schema. */
export interface StreamRequest<R extends RouteDefinition> {
  readonly body: R['request'] extends { readonly body: infer S }
    ? S extends z.ZodType
      ? z.output<S>
      : undefined
    : undefined;
  readonly userId: string;
  /** When the request arrived (injected clock). */
  readonly receivedAt: Date;
  readonly context: Context;
  /** A logger for this request only (local servers run requests side by side). */
  readonly log: Logger;
}

/** What a stream route hands back once its pre-checks passed: the events, as SSE `data:` lines. */
export type StreamRouteHandler<R extends RouteDefinition> = (
  request: StreamRequest<R>,
) => Promise<AsyncIterable<unknown>>;

export interface StreamHandlerOptions {
  readonly verifier: TokenVerifier;
  readonly clock: Clock;
  /**
   * `events` (default): each value the route yields is one SSE `data:` line.
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

async function* serverSentEvents(events: AsyncIterable<unknown>): AsyncGenerator<string> {
  for await (const event of events) yield encodeServerSentEvent(event);
}

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
 * the route's own pre-checks. After that: 200 `text/event-stream`, one `data: <json>` per event.
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
        body: Readable.from(textChunks(events)),
      };
    }
    return {
      statusCode: 200,
      headers: { ...eventStreamHeaders },
      body: Readable.from(serverSentEvents(events)),
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
    .use(requestValidation(route, { maxBodyBytes: MAX_REQUEST_BODY_BYTES }))
    .use(errorEnvelope({ bearerChallenge: true }));
}
