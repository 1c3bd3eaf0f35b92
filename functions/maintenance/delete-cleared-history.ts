import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
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
  const pk = record.dynamodb?.Keys?.pk?.S;
  const sk = record.dynamodb?.Keys?.sk?.S;
  if (record.eventName !== 'INSERT' || !pk || !sk?.startsWith(keyPrefixes.historyClearJob)) return undefined;
  return { pk, sk };
}

export const handler = middy(async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
  for (const record of event.Records) {
    const ref = jobRef(record);
    if (!ref) continue;
    try {
      const result = await deleteClearedHistory(deps, ref);
      logger.info('History clear job done', { ...result });
    } catch (error) {
      logger.error('History clear job failed', {
        error_name: (error as Error)?.name,
        stack: (error as Error)?.stack,
      });
      // Lambda retries from the first failure; the records after it come again anyway.
      return { batchItemFailures: [{ itemIdentifier: record.dynamodb?.SequenceNumber ?? '' }] };
    }
  }
  return { batchItemFailures: [] };
}).use(injectLambdaContext(logger, { resetKeys: true }));
