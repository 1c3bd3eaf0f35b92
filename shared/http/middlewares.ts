import type { Logger } from '@aws-lambda-powertools/logger';
import type { MiddlewareObj, Request } from '@middy/core';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import type { Clock } from '../domain/clock';
import { hashUserId, publishMetricsIfAny } from '../observability/powertools';
import type { RouteDefinition } from '../routes/route-definition';
import { logRequestHandled } from './access-log';
import { respondToError } from './error-mapper';
import { claimsSubject, type ParsedRequest, parseRequest } from './request-parser';

/**
 * The middy middlewares both request pipelines (shared/http/http-handler.ts and
 * stream-handler.ts) are made of. They differ only in where the user comes from: the HTTP API's
 * JWT authorizer (`authorizerSubject`) or the bearer token the stream handler verifies itself
 * (`bearerAuthentication` in ./stream-handler.ts: function URLs have no authorizer; kept
 * there so the buffered handlers' bundles hold no JWT verifier). What a middleware learns is kept
 * per invocation (`invocationOf(event)`), for the next ones and the handler.
 */
export interface Invocation {
  /** performance.now() when the pipeline began: the access log's duration. */
  readonly startedAt: number;
  /** The logger of this invocation's lines. */
  readonly log: Logger;
  /** When the request arrived, by the pipeline's clock (when it was given one). */
  readonly receivedAt?: Date;
  /** The signed-in user (`sub`), once known. */
  sub?: string;
  /** The request after parsing and validation. */
  parsed?: ParsedRequest;
}

type PipelineRequest = Request<APIGatewayProxyEventV2, unknown, Error, Context>;

/**
 * Keyed by the event object, which `pipelineStart` copies for each invocation: a caller may
 * pass one event or context object to invocations that run side by side.
 */
const invocations = new WeakMap<object, Invocation>();

export function invocationOf(event: APIGatewayProxyEventV2): Invocation {
  const invocation = invocations.get(event);
  if (!invocation) throw new Error('The request pipeline did not start this invocation.');
  return invocation;
}

/**
 * Starts the invocation's record and tags its log lines with the route and request id; at the
 * end writes the access-log line (when `logSuccess`, or on an error) and flushes metrics.
 */
export function pipelineStart(
  route: RouteDefinition,
  options: {
    readonly logOf: (context: Context) => Logger;
    readonly logSuccess: boolean;
    /** Stamps `receivedAt` (the stream route: watermarks and tombstones compare with it). */
    readonly clock?: Clock;
  },
): MiddlewareObj<APIGatewayProxyEventV2, unknown, Error, Context> {
  const finish = (request: PipelineRequest) => {
    const invocation = invocations.get(request.event);
    if (!invocation) return;
    const { errorCode } = errorCodes.get(request.event) ?? {};
    logRequestHandled(invocation.log, {
      method: request.event.requestContext?.http?.method,
      status: (request.response as { statusCode?: number } | undefined)?.statusCode,
      errorCode,
      startedAt: invocation.startedAt,
    });
    publishMetricsIfAny();
  };
  return {
    before: (request) => {
      const { context } = request;
      const event = { ...request.event };
      request.event = event;
      const log = options.logOf(context);
      log.appendKeys({
        route: route.id,
        request_id: event.requestContext?.requestId ?? context.awsRequestId,
      });
      invocations.set(event, {
        startedAt: performance.now(),
        log,
        ...(options.clock ? { receivedAt: options.clock.now() } : {}),
      });
    },
    after: (request) => {
      if (options.logSuccess) finish(request);
    },
    onError: (request) => {
      finish(request);
    },
  };
}

export const setSubject = (event: APIGatewayProxyEventV2, sub: string) => {
  const invocation = invocationOf(event);
  invocation.sub = sub;
  invocation.log.appendKeys({ user_hash: hashUserId(sub) });
};

/** The user as the HTTP API's JWT authorizer put it on the event (routes without auth have none). */
export const authorizerSubject = (): MiddlewareObj<APIGatewayProxyEventV2, unknown, Error, Context> => ({
  before: ({ event }) => {
    const sub = claimsSubject(event);
    if (sub) setSubject(event, sub);
  },
});

/**
 * Body limit, JSON, zod validation of every part, the `user_id` rule: `invocationOf(event).parsed`
 * (unaudited routes; audited ones validate in `auditedWork`).
 */
export const requestValidation = (
  route: RouteDefinition,
  options: { readonly maxBodyBytes: number },
): MiddlewareObj<APIGatewayProxyEventV2, unknown, Error, Context> => ({
  before: ({ event }) => {
    // An audited route validates inside its audit event (`auditedWork`, ./audit.ts): a 400 is audited too.
    if (route.audit) return;
    const invocation = invocationOf(event);
    invocation.parsed = parseRequest(route, event, {
      maxBodyBytes: options.maxBodyBytes,
      sub: invocation.sub,
    });
  },
});

const errorCodes = new WeakMap<object, { errorCode: string }>();

/**
 * Any error becomes its envelope and status (shared/http/error-mapper.ts). `bearerChallenge`: a
 * 401 says `WWW-Authenticate: Bearer` (the stream route, which checks the token itself).
 */
export const errorEnvelope = (
  options: { readonly bearerChallenge?: boolean } = {},
): MiddlewareObj<APIGatewayProxyEventV2, unknown, Error, Context> => ({
  onError: (request) => {
    const log = invocations.get(request.event)?.log;
    if (!log) return;
    const { response, errorCode } = respondToError(log, request.error);
    if (options.bearerChallenge && errorCode === 'UNAUTHORIZED')
      response.headers = { ...response.headers, 'www-authenticate': 'Bearer' };
    errorCodes.set(request.event, { errorCode });
    request.response = response;
  },
});
