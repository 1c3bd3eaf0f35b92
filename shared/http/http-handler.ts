import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { z } from 'zod';
import { getConfig } from '../config/config';
import { logger } from '../observability/powertools';
import type { RouteDefinition } from '../routes/route-definition';
import { auditedWork } from './audit';
import {
  authorizerSubject,
  errorEnvelope,
  invocationOf,
  pipelineStart,
  requestValidation,
} from './middlewares';
import { type HttpResult, jsonResponse, rawResponse } from './responses';

/** When API Gateway received the request (the event says), else now. */
const arrivalOf = (event: APIGatewayProxyEventV2): Date =>
  new Date(event.requestContext?.timeEpoch ?? Date.now());

type Infer<S> = S extends z.ZodType ? z.output<S> : undefined;
type RequestPart<
  R extends RouteDefinition,
  K extends 'params' | 'query' | 'body' | 'headers',
> = R['request'] extends {
  readonly [P in K]: infer S;
}
  ? Infer<S>
  : undefined;

/** A request after parsing and validation: typed by the route's schemas. */
export interface HttpRequest<R extends RouteDefinition> {
  readonly params: RequestPart<R, 'params'>;
  readonly query: RequestPart<R, 'query'>;
  readonly body: RequestPart<R, 'body'>;
  readonly headers: RequestPart<R, 'headers'>;
  /** The signed-in user (`sub` of the JWT); routes with `auth: 'jwt'` always have one. */
  readonly userId: R['auth'] extends 'jwt' ? string : string | undefined;
  readonly requestId: string;
  readonly event: APIGatewayProxyEventV2;
}

export type RouteHandler<R extends RouteDefinition> = (
  request: HttpRequest<R>,
  context: Context,
) => Promise<HttpResult>;

/**
 * Wraps a route's handler in the one request pipeline (./middlewares.ts): Powertools logger
 * and metrics, body size limit, JSON parsing, zod validation with field paths, and the error
 * envelope. Lambda's active tracing records the invocation; no X-Ray SDK here.
 * Handlers stay thin: parse (done here) → call a use case → map the result.
 */
export function httpHandler<R extends RouteDefinition>(route: R, handle: RouteHandler<R>) {
  const { MAX_REQUEST_BODY_BYTES } = getConfig();

  const core = async (
    event: APIGatewayProxyEventV2,
    context: Context,
  ): Promise<APIGatewayProxyStructuredResultV2> => {
    const invocation = invocationOf(event);
    const requestId = event.requestContext?.requestId ?? context.awsRequestId;
    const result = await auditedWork(
      route,
      event,
      invocation,
      { requestId, at: arrivalOf(event), maxBodyBytes: MAX_REQUEST_BODY_BYTES },
      (parsed) =>
        handle({ ...parsed, userId: parsed.sub, requestId, event } as unknown as HttpRequest<R>, context),
    );
    return 'raw' in result && result.raw
      ? rawResponse(result.status, result.raw, result.headers)
      : jsonResponse(result.status, { data: result.data }, result.headers);
  };

  return middy(core)
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(pipelineStart(route, { logOf: () => logger, logSuccess: true }))
    .use(authorizerSubject())
    .use(requestValidation(route, { maxBodyBytes: MAX_REQUEST_BODY_BYTES }))
    .use(errorEnvelope());
}
