import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { instrumentDynamoDbClient } from '../../shared/data/dynamo-client';
import { applyRetention } from '../../shared/domain/account/apply-retention';
import { addAppMetric, logger, publishMetricsIfAny } from '../../shared/observability/powertools';
import { tracer } from '../../shared/observability/tracer';
import { createAccountMaintenanceDeps } from '../../shared/wiring/account';

/**
 * Scheduled (EventBridge, hourly): deletes live rooms inactive for longer than their owner's
 * retention (their setting, else DEFAULT_RETENTION_DAYS); the purge job removes them 30 days
 * later. Stops early when the Lambda is about to time out; the next run continues.
 */
instrumentDynamoDbClient((client) => tracer.captureAWSv3Client(client));
const deps = createAccountMaintenanceDeps();
const STOP_BEFORE_TIMEOUT_MS = 15_000;

export const handler = middy(async (_event: ScheduledEvent, context: Context) => {
  const summary = await applyRetention(deps, {
    shouldContinue: () => context.getRemainingTimeInMillis() > STOP_BEFORE_TIMEOUT_MS,
  });
  logger.info('Retention run finished', { ...summary });
  addAppMetric('RoomsExpired', 'Count', summary.rooms_deleted);
  publishMetricsIfAny();
  return summary;
}).use(injectLambdaContext(logger, { resetKeys: true }));
