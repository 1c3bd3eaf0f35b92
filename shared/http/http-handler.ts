import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { z } from 'zod';
import { getConfig } from '../config/config';
import { hashUserId, logger, publishMetricsIfAny } from '../observability/powertools';
import type { RouteDefinition } from '../routes/route-definition';
import { logRequestHandled } from './access-log';
import { auditBase, audited, resourcesIn } from './audit';
import { respondToError } from './error-mapper';
import { parseRequest } from './request-parser';
import { type HttpResult, jsonResponse, rawResponse } from './responses';

/** The JWT authorizer's `sub`, before validation (a request that fails validation is audited too). */
const subjectOf = (event: APIGatewayProxyEventV2): string | undefined => {
  const claims = (event.requestContext as { authorizer?: { jwt?: { claims?: Record<string, unknown> } } })
    ?.authorizer?.jwt?.claims;
  return typeof claims?.sub === 'string' ? claims.sub : undefined;
};

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
 * Wraps a route's handler in the one request pipeline: Powertools logger and metrics (Lambda's active tracing records the invocation),
 * body size limit, JSON parsing, zod validation with field paths, and the error envelope.
 * Handlers stay thin: parse (done here) → call a use case → map the result.
 */
export function httpHandler<R extends RouteDefinition>(route: R, handle: RouteHandler<R>) {
  const { MAX_REQUEST_BODY_BYTES } = getConfig();

  const core = async (
    event: APIGatewayProxyEventV2,
    context: Context,
  ): Promise<APIGatewayProxyStructuredResultV2> => {
    const startedAt = performance.now();
    const requestId = event.requestContext?.requestId ?? context.awsRequestId;
    logger.appendKeys({ route: route.id, request_id: requestId });
    let response: APIGatewayProxyStructuredResultV2;
    let errorCode: string | undefined;
    try {
      const parse = () => {
        const parsed = parseRequest(route, event, { maxBodyBytes: MAX_REQUEST_BODY_BYTES });
        if (parsed.sub) logger.appendKeys({ user_hash: hashUserId(parsed.sub) });
        return parsed;
      };
      const work = (parsed: ReturnType<typeof parse>) =>
        handle({ ...parsed, userId: parsed.sub, requestId, event } as unknown as HttpRequest<R>, context);
      const sub = subjectOf(event);
      const result =
        route.audit && sub
          ? await audited(
              route.audit,
              auditBase(route.audit, { userId: sub, requestId, at: arrivalOf(event), event }),
              parse,
              (parsed) => resourcesIn(parsed.params, parsed.query, parsed.body),
              work,
            )
          : await work(parse());
      response =
        'raw' in result && result.raw
          ? rawResponse(result.status, result.raw, result.headers)
          : jsonResponse(result.status, { data: result.data }, result.headers);
    } catch (error) {
      ({ response, errorCode } = respondToError(logger, error));
    }
    logRequestHandled(logger, {
      method: event.requestContext?.http?.method,
      status: response.statusCode,
      errorCode,
      startedAt,
    });
    publishMetricsIfAny();
    return response;
  };

  return middy(core).use(injectLambdaContext(logger, { resetKeys: true }));
}
