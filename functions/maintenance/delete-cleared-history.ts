import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import middy from '@middy/core';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { instrumentDynamoDbClient } from '../../shared/data/dynamo-client';
import { keyPrefixes } from '../../shared/data/keys';
import { deleteClearedHistory } from '../../shared/domain/rooms/delete-cleared-history';
import type { HistoryClearJobRef } from '../../shared/domain/rooms/ports';
import { logger } from '../../shared/observability/powertools';
import { tracer } from '../../shared/observability/tracer';
import { createMaintenanceDeps } from '../../shared/wiring/rooms';

/**
 * The chat table's DynamoDB stream (event source mapping filtered to INSERTs of
 * `HISTORY_CLEAR#` items, ReportBatchItemFailures on): each job deletes the messages one
 * "clear history" hid. Only the keys are read from the record; the job itself is read back
 * (strongly consistent), so a replayed record of a finished job does nothing.
 */
instrumentDynamoDbClient((client) => tracer.captureAWSv3Client(client));
const deps = createMaintenanceDeps();

function jobRef(record: DynamoDBRecord): HistoryClearJobRef | undefined {
  const keys = record.dynamodb?.Keys
    ? unmarshall(record.dynamodb.Keys as Record<string, AttributeValue>)
    : {};
  const { pk, sk } = keys;
  if (record.eventName !== 'INSERT' || typeof pk !== 'string' || typeof sk !== 'string') return undefined;
  if (!sk.startsWith(keyPrefixes.historyClearJob)) return undefined;
  return { pk, sk };
}

async function processJob(record: DynamoDBRecord): Promise<void> {
  const ref = jobRef(record);
  if (!ref) return;
  try {
    const result = await deleteClearedHistory(deps, ref);
    logger.info('History clear job done', { ...result });
  } catch (error) {
    logger.error('History clear job failed', {
      error_name: (error as Error)?.name,
      stack: (error as Error)?.stack,
    });
    throw error;
  }
}

/**
 * Powertools' batch processing reports the records whose job failed (ReportBatchItemFailures);
 * Lambda retries from the first of them. One record at a time: the jobs of one batch often
 * touch the same room.
 */
const processor = new BatchProcessor(EventType.DynamoDBStreams);

export const handler = middy(
  async (event: DynamoDBStreamEvent, context: Context): Promise<DynamoDBBatchResponse> =>
    processPartialResponse(event, processJob, processor, { context, processInParallel: false }),
).use(injectLambdaContext(logger, { resetKeys: true }));
