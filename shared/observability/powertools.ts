import { createHash } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { type AppMetricName, METRICS_NAMESPACE, SERVICE_NAME } from './names';

/**
 * One Logger and Metrics per process, configured by Powertools' own env vars
 * (POWERTOOLS_SERVICE_NAME, POWERTOOLS_LOG_LEVEL, POWERTOOLS_METRICS_NAMESPACE, ...), which CDK
 * and the local gateway set. The X-Ray Tracer is in ./tracer.ts, imported only by the functions
 * that trace in-process.
 *
 * Rule of this codebase: message text is health information and never goes into a log line,
 * metric or trace. Log ids, sizes, timings and error codes.
 */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? SERVICE_NAME });

export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE,
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? SERVICE_NAME,
});

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
  single.addMetric('Errors' satisfies AppMetricName, 'Count', 1);
}

/** Adds one of the app's metrics (names: ./names.ts, which the monitoring construct reads too). */
export function addAppMetric(name: AppMetricName, unit: 'Count' | 'Milliseconds', value: number): void {
  metrics.addMetric(name, unit, value);
}
