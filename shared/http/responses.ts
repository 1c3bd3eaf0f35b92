import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

export const baseHeaders: Readonly<Record<string, string>> = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

export function jsonResponse(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { ...baseHeaders, ...headers }, body: JSON.stringify(body) };
}

/** What a use case hands back to its handler: a status, the `data` and any extra headers. */
export interface HttpResult<T = unknown> {
  readonly status: number;
  readonly data: T;
  readonly headers?: Record<string, string>;
}

export const ok = <T>(data: T, headers?: Record<string, string>): HttpResult<T> => ({
  status: 200,
  data,
  ...(headers ? { headers } : {}),
});

export const created = <T>(data: T, headers?: Record<string, string>): HttpResult<T> => ({
  status: 201,
  data,
  ...(headers ? { headers } : {}),
});
