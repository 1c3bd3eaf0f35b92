import type { Logger } from '@aws-lambda-powertools/logger';

/**
 * The one access-log line of both request pipelines (buffered and streaming): method, status,
 * error code and duration. Never bodies: message text is health information.
 */
export function logRequestHandled(
  log: Logger,
  entry: {
    method: string | undefined;
    status: number | undefined;
    errorCode: string | undefined;
    startedAt: number;
  },
): void {
  log.info('Request handled', {
    method: entry.method,
    status: entry.status,
    error_code: entry.errorCode,
    duration_ms: Math.round((performance.now() - entry.startedAt) * 100) / 100,
  });
}
