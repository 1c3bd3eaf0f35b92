import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { DomainError, isDomainError } from '../domain/errors';
import { countError } from '../observability/powertools';
import type { ErrorCode } from '../schemas/error-codes';
import { jsonResponse } from './responses';

/** The one place where a domain error code becomes an HTTP status. */
export const httpStatusByCode: Readonly<Record<ErrorCode, number>> = {
  VALIDATION_ERROR: 400,
  INVALID_JSON: 400,
  UNSUPPORTED_MEDIA_TYPE: 415,
  PAYLOAD_TOO_LARGE: 413,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  ROOM_NOT_FOUND: 404,
  SESSION_NOT_FOUND: 404,
  STREAM_NOT_FOUND: 404,
  STREAM_GONE: 410,
  SESSION_EXPIRED: 410,
  ROOM_LIMIT_REACHED: 409,
  STREAM_LIMIT_REACHED: 429,
  RATE_LIMITED: 429,
  CONFLICT: 409,
  IDEMPOTENCY_CONFLICT: 409,
  NOT_READY: 503,
  SERVICE_UNAVAILABLE: 503,
  MODEL_ERROR: 502,
  INTERNAL: 500,
};

export const internalError = () => new DomainError('INTERNAL', 'An internal error occurred.');

/**
 * DynamoDB (or its network) out of reach: a call that timed out, a refused or reset connection,
 * throttling the SDK's retries did not outlast, or DynamoDB's own 5xx. Worth a retry shortly.
 */
export function isStorageUnavailable(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const { name, code, $metadata } = error as {
    name?: string;
    code?: string;
    $metadata?: { httpStatusCode?: number };
  };
  return (
    [
      'TimeoutError',
      'RequestTimeout',
      'RequestTimeoutException',
      'ProvisionedThroughputExceededException',
      'ThrottlingException',
      'RequestLimitExceeded',
      'InternalServerError',
      'ServiceUnavailable',
    ].includes(name ?? '') ||
    ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND'].includes(code ?? '') ||
    ($metadata?.httpStatusCode ?? 0) >= 500
  );
}

const serviceUnavailable = (cause: unknown) =>
  new DomainError('SERVICE_UNAVAILABLE', 'The service is briefly unavailable; retry shortly.', {
    retryAfterSeconds: 2,
    cause,
  });

/** Maps any thrown value to the error envelope; only DomainErrors show their message. */
export function errorToResponse(error: unknown): APIGatewayProxyStructuredResultV2 {
  const safe = isDomainError(error)
    ? error
    : isStorageUnavailable(error)
      ? serviceUnavailable(error)
      : internalError();
  const headers: Record<string, string> = {};
  if (safe.retryAfterSeconds !== undefined)
    headers['retry-after'] = String(Math.max(1, Math.ceil(safe.retryAfterSeconds)));
  return jsonResponse(
    httpStatusByCode[safe.code],
    { error: { code: safe.code, message: safe.message, details: [...safe.details] } },
    headers,
  );
}

/**
 * The catch block of both request pipelines (buffered and streaming): an unknown error is logged
 * by name and stack frames only (the stack's first line is the error's message, which could echo
 * input) and counted; every error becomes its envelope.
 */
export function respondToError(
  log: Logger,
  error: unknown,
): { response: APIGatewayProxyStructuredResultV2; errorCode: ErrorCode } {
  const errorCode = isDomainError(error)
    ? error.code
    : isStorageUnavailable(error)
      ? 'SERVICE_UNAVAILABLE'
      : 'INTERNAL';
  if (!isDomainError(error)) {
    log.error('Unhandled error', {
      error_name: (error as Error)?.name,
      stack: (error as Error)?.stack?.split('\n').slice(1).join('\n'),
    });
    countError(errorCode);
  }
  return { response: errorToResponse(error), errorCode };
}
