import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import { hashUserId, logger } from '../../shared/observability/powertools';
import { routeEventSchema } from '../../shared/realtime/websocket-events';
import { connectionStore } from '../../shared/wiring/realtime';

/** `$disconnect` (best effort on AWS: a missed one is covered by the slot's expiry): frees the slot. */
const connections = connectionStore();

export const handler = middy(async (rawEvent: unknown): Promise<APIGatewayProxyResultV2> => {
  const { requestContext } = routeEventSchema.parse(rawEvent);
  logger.appendKeys({
    user: hashUserId(requestContext.authorizer.sub),
    connection_id: requestContext.connectionId,
  });
  await connections.close(requestContext.authorizer.sub, requestContext.connectionId);
  logger.info('WebSocket disconnected');
  return { statusCode: 200 };
}).use(injectLambdaContext(logger, { resetKeys: true }));
