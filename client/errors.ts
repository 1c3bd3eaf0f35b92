import type { ApiErrorCode, ApiErrorDetail } from './contract';

/**
 * What the server said no with: the envelope's code and details, and the HTTP status. A code
 * this client does not know yet (a newer server) is kept as the server sent it.
 */
export class CareGuideApiError extends Error {
  override readonly name = 'CareGuideApiError';

  constructor(
    readonly status: number,
    /** `HTTP_ERROR`: the answer had no error envelope (a proxy's page, an empty body). */
    readonly code: ApiErrorCode | 'HTTP_ERROR',
    message: string,
    readonly details: readonly ApiErrorDetail[] = [],
    /** From `Retry-After`, when the server says when a retry can succeed. */
    readonly retryAfterSeconds: number | undefined = undefined,
  ) {
    super(message);
  }

  /** Worth retrying as it is: the server or the path to it failed, or asked to wait. */
  get retryable(): boolean {
    return this.status >= 500 || this.status === 429 || this.status === 408;
  }
}

/** The server could not be reached, or the connection broke (after the retries allowed). */
export class CareGuideNetworkError extends Error {
  override readonly name = 'CareGuideNetworkError';
}

export const isApiError = (error: unknown): error is CareGuideApiError => error instanceof CareGuideApiError;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Reads a non-2xx response into a CareGuideApiError; never throws anything else. */
export async function apiErrorFrom(response: Response): Promise<CareGuideApiError> {
  const retryAfter = Number(response.headers.get('retry-after'));
  const retryAfterSeconds = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined;
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  const envelope = isRecord(body) && isRecord(body.error) ? body.error : undefined;
  if (envelope && typeof envelope.code === 'string') {
    const details = Array.isArray(envelope.details)
      ? envelope.details.filter(isRecord).map((detail) => ({
          ...(typeof detail.path === 'string' ? { path: detail.path } : {}),
          message: String(detail.message ?? ''),
        }))
      : [];
    return new CareGuideApiError(
      response.status,
      envelope.code as ApiErrorCode,
      typeof envelope.message === 'string' ? envelope.message : response.statusText,
      details,
      retryAfterSeconds,
    );
  }
  // API Gateway's own answers (the JWT authorizer's 401, an unknown path's 404) carry only `message`.
  const message = isRecord(body) && typeof body.message === 'string' ? body.message : response.statusText;
  const code: ApiErrorCode | 'HTTP_ERROR' =
    response.status === 401 ? 'UNAUTHORIZED' : response.status === 404 ? 'NOT_FOUND' : 'HTTP_ERROR';
  return new CareGuideApiError(
    response.status,
    code,
    message || `HTTP ${response.status}`,
    [],
    retryAfterSeconds,
  );
}
