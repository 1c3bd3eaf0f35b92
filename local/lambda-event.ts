import { isUtf8 } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';

/** What API Gateway's JWT authorizer puts on the event: claims as strings, as API Gateway passes them. */
export type JwtClaims = Record<string, string>;

export interface EventInput {
  readonly request: IncomingMessage;
  readonly url: URL;
  readonly body: Buffer;
  readonly routeKey: string;
  readonly pathParameters: Record<string, string> | undefined;
  readonly claims: JwtClaims | undefined;
}

const TEXT_CONTENT = /^(?:text\/|application\/(?:[\w.+-]+\+)?(?:json|xml|x-www-form-urlencoded|javascript))/i;

function joinedHeaders(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined || name === 'cookie') continue;
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  return headers;
}

function queryParameters(url: URL): Record<string, string> | undefined {
  if (!url.search) return undefined;
  const query: Record<string, string> = {};
  // API Gateway joins repeated parameters with commas.
  for (const key of new Set(url.searchParams.keys())) query[key] = url.searchParams.getAll(key).join(',');
  return query;
}

/** An API Gateway HTTP API (payload format 2.0) event, as API Gateway would build it. */
export function toApiGatewayEvent(input: EventInput): APIGatewayProxyEventV2 {
  const { request, url, body, claims } = input;
  const headers = joinedHeaders(request);
  const contentType = headers['content-type'] ?? '';
  // Bytes that are not UTF-8 cannot travel as a text body unchanged (they would become U+FFFD):
  // they go base64-encoded, so the handler sees exactly what the client sent, and refuses it.
  const isText = body.length === 0 || (TEXT_CONTENT.test(contentType) && isUtf8(body));
  const cookies = request.headers.cookie?.split(/;\s*/).filter(Boolean);
  const now = new Date();
  const requestContext = {
    accountId: 'local',
    apiId: 'local',
    domainName: headers.host ?? 'localhost',
    domainPrefix: 'local',
    http: {
      method: request.method ?? 'GET',
      path: url.pathname,
      protocol: `HTTP/${request.httpVersion}`,
      sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
      userAgent: headers['user-agent'] ?? '',
    },
    requestId: randomUUID(),
    routeKey: input.routeKey,
    stage: '$default',
    time: now.toUTCString(),
    timeEpoch: now.getTime(),
    ...(claims ? { authorizer: { jwt: { claims, scopes: null } } } : {}),
  };
  return {
    version: '2.0',
    routeKey: input.routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.replace(/^\?/, ''),
    ...(cookies?.length ? { cookies } : {}),
    headers,
    ...(queryParameters(url) ? { queryStringParameters: queryParameters(url) } : {}),
    ...(input.pathParameters ? { pathParameters: input.pathParameters } : {}),
    requestContext,
    ...(body.length > 0 ? { body: isText ? body.toString('utf8') : body.toString('base64') } : {}),
    isBase64Encoded: !isText,
  } as APIGatewayProxyEventV2;
}

/** A Lambda context for one invocation of `functionName`. */
export function lambdaContext(functionName: string, timeoutMs: number): Context {
  const deadline = Date.now() + timeoutMs;
  const awsRequestId = randomUUID();
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
