import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { instrumentDynamoDbClient } from '../../shared/data/dynamo-client';
import { runningShards } from '../../shared/data/keys';
import { sweepLapsedStreams } from '../../shared/domain/chat/recover-stream';
import { logger, publishMetricsIfAny } from '../../shared/observability/powertools';
import { tracer } from '../../shared/observability/tracer';
import { createRecoveryDeps } from '../../shared/wiring/rooms';

/**
 * Scheduled (EventBridge, every 2 minutes): finishes streams whose process died from their
 * log — reads already do it for what they show; this covers streams nobody looks at. Walks
 * the sparse running-streams index shard by shard (a Query each, no Scan).
 */
instrumentDynamoDbClient((client) => tracer.captureAWSv3Client(client));
const deps = createRecoveryDeps();
const STOP_BEFORE_TIMEOUT_MS = 10_000;

export const handler = middy(async (_event: ScheduledEvent, context: Context) => {
  const summary = await sweepLapsedStreams(deps, runningShards, {
    shouldContinue: () => context.getRemainingTimeInMillis() > STOP_BEFORE_TIMEOUT_MS,
  });
  logger.info('Stream sweep finished', { ...summary });
  publishMetricsIfAny();
  return summary;
}).use(injectLambdaContext(logger, { resetKeys: true }));
