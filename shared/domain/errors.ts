/**
 * Errors the domain raises on purpose. Their message and details are safe to show a client;
 * they never carry message text (health information). shared/http/error-mapper.ts gives each
 * code its HTTP status; anything that is not a DomainError becomes a generic 500.
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
  'SESSION_EXPIRED',
  'ROOM_LIMIT_REACHED',
  'STREAM_LIMIT_REACHED',
  'RATE_LIMITED',
  'CONFLICT',
  'IDEMPOTENCY_CONFLICT',
  'RESTORE_WINDOW_PASSED',
  'NOT_READY',
  'MODEL_ERROR',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof errorCodes)[number];

export interface ErrorDetail {
  /** Where the problem is, e.g. `body.room_name` or `query.limit`. */
  readonly path?: string;
  readonly message: string;
}

export interface DomainErrorOptions {
  readonly details?: readonly ErrorDetail[];
  /** For rate limits: seconds until a retry can succeed (becomes `Retry-After`). */
  readonly retryAfterSeconds?: number;
  readonly cause?: unknown;
}

export class DomainError extends Error {
  override readonly name = 'DomainError';
  readonly details: readonly ErrorDetail[];
  readonly retryAfterSeconds: number | undefined;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: DomainErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.details = options.details ?? [];
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export const isDomainError = (error: unknown): error is DomainError => error instanceof DomainError;
