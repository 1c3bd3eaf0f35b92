/**
 * The error codes of the API's error envelope: vocabulary shared by the domain (which raises
 * them), the HTTP layer (which gives each its status) and the OpenAPI document.
 */
export const errorCodes = [
  'VALIDATION_ERROR',
  'INVALID_JSON',
  'UNSUPPORTED_MEDIA_TYPE',
  'PAYLOAD_TOO_LARGE',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  'ROOM_NOT_FOUND',
  'SESSION_NOT_FOUND',
  'STREAM_NOT_FOUND',
  'STREAM_GONE',
  'SESSION_EXPIRED',
  'ROOM_LIMIT_REACHED',
  'STREAM_LIMIT_REACHED',
  'RATE_LIMITED',
  'CONFLICT',
  'IDEMPOTENCY_CONFLICT',
  'NOT_READY',
  'SERVICE_UNAVAILABLE',
  'MODEL_ERROR',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof errorCodes)[number];

export interface ErrorDetail {
  /** Where the problem is, e.g. `body.room_name` or `query.limit`. */
  readonly path?: string;
  readonly message: string;
}
