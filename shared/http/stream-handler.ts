import { Readable } from 'node:stream';
import type { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { z } from 'zod';
import { bearerToken, type TokenVerifier } from '../auth/token-verifier';
import { getConfig } from '../config/config';
import type { Clock } from '../domain/clock';
import { DomainError } from '../domain/errors';
import { hashUserId, logger, publishMetricsIfAny } from '../observability/powertools';
import type { RouteDefinition } from '../routes/route-definition';
import { logRequestHandled } from './access-log';
import { auditBase, audited, resourcesIn } from './audit';
import { respondToError } from './error-mapper';
import { headerValue, parseRequest } from './request-parser';

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
  for await (const event of events) yield `data: ${JSON.stringify(event)}\n\n`;
}

async function* textChunks(chunks: AsyncIterable<unknown>): AsyncGenerator<string> {
  for await (const chunk of chunks) yield String(chunk);
}

const withSubject = (event: APIGatewayProxyEventV2, sub: string): APIGatewayProxyEventV2 => ({
  ...event,
  requestContext: {
    ...event.requestContext,
    authorizer: { jwt: { claims: { sub }, scopes: [] } },
  } as APIGatewayProxyEventV2['requestContext'],
});

/**
 * The streaming counterpart of `httpHandler`, for Lambda function URLs in RESPONSE_STREAM mode
 * (and the local gateway's `awslambda` shim): middy with `streamifyResponse`. Everything that
 * can fail before the first byte does so as an ordinary JSON error with its status — the
 * bearer token (verified here: function URLs have no authorizer; 401 in the envelope), then
 * the shared request pipeline (64 KB body limit, JSON, zod validation, `user_id` rule), then
 * the route's own pre-checks. After that: 200 `text/event-stream`, one `data: <json>` per event.
 *
 * No Powertools middlewares: they finish in middy's `after` phase, which runs before the body
 * is piped. The stream publishes its own metrics when it ends (shared/observability/stream-telemetry.ts).
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
  ): Promise<
    | APIGatewayProxyStructuredResultV2
    | { statusCode: number; headers: Record<string, string>; body: Readable }
  > => {
    const receivedAt = options.clock.now();
    const startedAt = performance.now();
    const log = logger.createChild();
    log.addContext(context);
    const requestId = event.requestContext?.requestId ?? context.awsRequestId;
    log.appendKeys({ route: route.id, request_id: requestId });
    try {
      const token = bearerToken(headerValue(event.headers, 'authorization'));
      if (!token) throw new DomainError('UNAUTHORIZED', 'A valid bearer token is required.');
      const { sub } = await options.verifier.verify(token);
      log.appendKeys({ user_hash: hashUserId(sub) });
      const signedIn = withSubject(event, sub);
      const parse = () => parseRequest(route, signedIn, { maxBodyBytes: MAX_REQUEST_BODY_BYTES });
      const work = (parsed: ReturnType<typeof parse>) =>
        handle({ body: parsed.body as StreamRequest<R>['body'], userId: sub, receivedAt, context, log });
      const events = route.audit
        ? await audited(
            route.audit,
            auditBase(route.audit, { userId: sub, requestId, at: receivedAt, event: signedIn }),
            parse,
            (parsed) => resourcesIn(parsed.params, parsed.query, parsed.body),
            work,
            log,
          )
        : await work(parse());
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
    } catch (error) {
      const { response, errorCode } = respondToError(log, error);
      if (errorCode === 'UNAUTHORIZED')
        response.headers = { ...response.headers, 'www-authenticate': 'Bearer' };
      logRequestHandled(log, {
        method: event.requestContext?.http?.method,
        status: response.statusCode,
        errorCode,
        startedAt,
      });
      publishMetricsIfAny();
      return response;
    }
  };

  return middy(core, { streamifyResponse: true });
}
