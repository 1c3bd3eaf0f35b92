import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { instrumentDynamoDbClient } from '../../shared/data/dynamo-client';
import { keyPrefixes } from '../../shared/data/keys';
import { deleteAccountData } from '../../shared/domain/account/delete-account-data';
import type { AccountDeletionJobRef } from '../../shared/domain/account/ports';
import { logger } from '../../shared/observability/powertools';
import { tracer } from '../../shared/observability/tracer';
import { createAccountMaintenanceDeps } from '../../shared/wiring/account';

/**
 * The chat table's DynamoDB stream (filtered to INSERTs of `ACCOUNT_DELETION#` items): each job
 * physically deletes what one `DELETE /api/me` hid, then records the completion in the audit
 * trail. The job is read back (strongly consistent), so a replayed record of a finished job
 * does nothing. Locally, the table-stream poller of the local gateway invokes this same handler.
 */
instrumentDynamoDbClient((client) => tracer.captureAWSv3Client(client));
const deps = createAccountMaintenanceDeps();

function jobRef(record: DynamoDBRecord): AccountDeletionJobRef | undefined {
  const pk = record.dynamodb?.Keys?.pk?.S;
  const sk = record.dynamodb?.Keys?.sk?.S;
  if (record.eventName !== 'INSERT' || !pk || !sk?.startsWith(keyPrefixes.accountDeletionJob))
    return undefined;
  return { pk, sk };
}

export const handler = middy(async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
  for (const record of event.Records) {
    const ref = jobRef(record);
    if (!ref) continue;
    try {
      const startedAt = performance.now();
      const result = await deleteAccountData(deps, ref);
      logger.info('Account deletion job done', {
        ...result,
        duration_ms: Math.round(performance.now() - startedAt),
      });
    } catch (error) {
      logger.error('Account deletion job failed', {
        error_name: (error as Error)?.name,
        stack: (error as Error)?.stack,
      });
      return { batchItemFailures: [{ itemIdentifier: record.dynamodb?.SequenceNumber ?? '' }] };
    }
  }
  return { batchItemFailures: [] };
}).use(injectLambdaContext(logger, { resetKeys: true }));
