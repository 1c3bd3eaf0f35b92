import type { ErrorCode, ErrorDetail } from '../schemas/error-codes';

/**
 * Errors the domain raises on purpose. Their message and details are safe to show a client;
 * they never carry message text (health information). shared/http/error-mapper.ts gives each
 * code its HTTP status; anything that is not a DomainError becomes a generic 500.
 */
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
