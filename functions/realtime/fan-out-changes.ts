import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import {
  countError,
  hashUserId,
  logger,
  metrics,
  publishMetricsIfAny,
} from '../../shared/observability/powertools';
import { framesOfRecord } from '../../shared/realtime/change-subscriptions';
import { deliverFrames, type FanOutDeps, listingOncePerUser } from '../../shared/realtime/fan-out';
import type { UserFrames } from '../../shared/realtime/frames';
import { fanOutDependencies } from '../../shared/wiring/realtime';

/**
 * The chat table's and the ActiveStreams table's change streams (event source mappings with the
 * filters of shared/realtime/change-subscriptions.ts, partial batch responses on): each change
 * becomes event frames posted to every open connection of its user. Records are handled in
 * order (a client sees room.created before the room's session.created); a record whose
 * delivery could not even start fails alone, and only from it on is the batch retried.
 * Frames hold message text: only their types, ids and counts are logged.
 */
const deps = fanOutDependencies();
const processor = new BatchProcessor(EventType.DynamoDBStreams);

function framesOf(record: DynamoDBRecord): UserFrames | undefined {
  try {
    return framesOfRecord(record);
  } catch (error) {
    // An item its schema rejects will not parse on a retry either: skipped, counted, logged without content.
    countError('WEBSOCKET_CHANGE_UNREADABLE');
    logger.warn('Change skipped: item did not parse', {
      error_name: (error as Error)?.name,
      event_name: record.eventName,
      sequence_number: record.dynamodb?.SequenceNumber,
    });
    return undefined;
  }
}

/** Per invocation: each user's connections are listed once for the whole batch. */
let batchDeps: FanOutDeps = deps;

async function deliver(record: DynamoDBRecord): Promise<void> {
  const change = framesOf(record);
  if (!change) return;
  const report = await deliverFrames(batchDeps, change);
  metrics.addMetric('WebSocketEventsSent', 'Count', report.sent);
  if (report.gone > 0) metrics.addMetric('WebSocketConnectionsGone', 'Count', report.gone);
  if (report.failed.length > 0) metrics.addMetric('WebSocketPostFailures', 'Count', report.failed.length);
  const summary = {
    user: hashUserId(change.userId),
    types: change.frames.map((frame) => frame.type),
    connections: report.connections,
    sent: report.sent,
    gone: report.gone,
  };
  if (report.failed.length > 0)
    logger.warn('Change delivered in part', { ...summary, failed: report.failed });
  else logger.info('Change delivered', summary);
}

export const handler = middy(
  async (event: DynamoDBStreamEvent, context: Context): Promise<DynamoDBBatchResponse> => {
    batchDeps = { ...deps, connections: listingOncePerUser(deps.connections) };
    try {
      return await processPartialResponse(event, deliver, processor, { context, processInParallel: false });
    } finally {
      publishMetricsIfAny();
    }
  },
).use(injectLambdaContext(logger, { resetKeys: true }));
