import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { instrumentDynamoDbClient } from '../../shared/data/dynamo-client';
import { purgeDeletedRooms } from '../../shared/domain/rooms/purge-deleted-rooms';
import { addAppMetric, logger, publishMetricsIfAny } from '../../shared/observability/powertools';
import { tracer } from '../../shared/observability/tracer';
import { createMaintenanceDeps } from '../../shared/wiring/rooms';

/**
 * Scheduled (EventBridge, hourly): purges soft-deleted rooms whose 30-day restore window has
 * ended, with their messages. Stops early, leaving the rest to the next run, when the Lambda
 * is about to time out. Reads already treat such rooms as gone; this only frees the storage.
 */
instrumentDynamoDbClient((client) => tracer.captureAWSv3Client(client));
const deps = createMaintenanceDeps();
/** Time kept back for the room in progress (its messages) when the budget is checked. */
const STOP_BEFORE_TIMEOUT_MS = 15_000;

export const handler = middy(async (_event: ScheduledEvent, context: Context) => {
  const summary = await purgeDeletedRooms(deps, {
    shouldContinue: () => context.getRemainingTimeInMillis() > STOP_BEFORE_TIMEOUT_MS,
  });
  logger.info('Purge run finished', { ...summary });
  addAppMetric('RoomsPurged', 'Count', summary.rooms_purged);
  publishMetricsIfAny();
  return summary;
}).use(injectLambdaContext(logger, { resetKeys: true }));
