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

/** A body that is not the JSON envelope (a download): its media type and text. */
export interface RawBody {
  readonly contentType: string;
  readonly text: string;
}

/** What a use case hands back to its handler: a status, the `data` (or a `raw` body) and any extra headers. */
export interface HttpResult<T = unknown> {
  readonly status: number;
  readonly data: T;
  readonly headers?: Record<string, string>;
  readonly raw?: RawBody;
}

export function rawResponse(
  statusCode: number,
  raw: RawBody,
  headers: Record<string, string> = {},
): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode,
    headers: { ...baseHeaders, ...headers, 'content-type': raw.contentType },
    body: raw.text,
  };
}

/** A download: the body as an attachment named `filename` (ASCII letters, digits, `.`, `-`, `_`). */
export const download = (filename: string, raw: RawBody): HttpResult<undefined> => ({
  status: 200,
  data: undefined,
  raw,
  headers: { 'content-disposition': `attachment; filename="${filename}"` },
});

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
