import { createHash } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

/**
 * One Logger, Metrics and Tracer per process, configured by Powertools' own env vars
 * (POWERTOOLS_SERVICE_NAME, POWERTOOLS_LOG_LEVEL, POWERTOOLS_METRICS_NAMESPACE, ...), which CDK
 * and the local gateway set. Tracer is a no-op outside Lambda.
 *
 * Rule of this codebase: message text is health information and never goes into a log line,
 * metric or trace. Log ids, sizes, timings and error codes.
 */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'careguide-chat' });

export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'CareGuide',
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'careguide-chat',
});

export const tracer = new Tracer({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'careguide-chat' });

/** Users are logged by a stable hash of `sub`, never by the raw id. */
export const hashUserId = (sub: string): string =>
  createHash('sha256').update(sub).digest('hex').slice(0, 16);

/** Flushes the stored metrics, if any (Powertools warns on every empty flush otherwise). */
export function publishMetricsIfAny(): void {
  if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
}

/** Counts an error by type, in a metric of its own so the dimension does not leak to others. */
export function countError(errorType: string): void {
  const single = metrics.singleMetric();
  single.addDimension('error_type', errorType);
  single.addMetric('Errors', 'Count', 1);
}
