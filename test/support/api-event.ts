import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { lambdaContext } from '../../local/lambda-event';

export interface ApiEventInput {
  readonly method?: string;
  readonly path?: string;
  /** An object is sent as JSON; a string as it is. */
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  readonly query?: Record<string, string>;
  readonly pathParameters?: Record<string, string>;
  /** The signed-in user, as the JWT authorizer would put it on the event. */
  readonly sub?: string;
}

/** An API Gateway HTTP API (2.0) event, as the JWT authorizer hands it to a handler. */
export function apiEvent(input: ApiEventInput = {}): APIGatewayProxyEventV2 {
  const method = input.method ?? 'GET';
  const path = input.path ?? '/';
  const body =
    input.body === undefined
      ? undefined
      : typeof input.body === 'string'
        ? input.body
        : JSON.stringify(input.body);
  return {
    version: '2.0',
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: new URLSearchParams(input.query ?? {}).toString(),
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...input.headers },
    ...(input.query ? { queryStringParameters: input.query } : {}),
    ...(input.pathParameters ? { pathParameters: input.pathParameters } : {}),
    requestContext: {
      accountId: 'test',
      apiId: 'test',
      domainName: 'test.local',
      domainPrefix: 'test',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'vitest' },
      requestId: randomUUID(),
      routeKey: `${method} ${path}`,
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
      ...(input.sub ? { authorizer: { jwt: { claims: { sub: input.sub }, scopes: null } } } : {}),
    },
    ...(body !== undefined ? { body } : {}),
    isBase64Encoded: false,
  } as APIGatewayProxyEventV2;
}

export const testContext = (name = 'test-function'): Context => lambdaContext(name, 30_000);

type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<unknown>;

/** Invokes a buffered handler and parses its JSON body. */
export async function invoke(handler: Handler, input: ApiEventInput = {}) {
  const result = (await handler(apiEvent(input), testContext())) as APIGatewayProxyStructuredResultV2;
  // Downloads (Markdown) are read from rawBody.
  const isJson =
    Boolean(result.body) && /json/.test(String(result.headers?.['content-type'] ?? 'application/json'));
  return {
    status: result.statusCode ?? 200,
    headers: (result.headers ?? {}) as Record<string, string>,
    // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON bodies.
    body: (isJson ? JSON.parse(result.body ?? '') : undefined) as any,
    rawBody: result.body ?? '',
  };
}
