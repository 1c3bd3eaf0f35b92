import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import { hashUserId, logger, metrics, publishMetricsIfAny } from '../../shared/observability/powertools';
import { errorFrame, routeEventSchema } from '../../shared/realtime/websocket-events';
import { connectionStore, managementEndpoint } from '../../shared/wiring/realtime';

/**
 * `$connect`, after the authorizer: records the connection in one of the user's slots, or
 * refuses the handshake with 429 when all MAX_CONNECTIONS_PER_USER are held (DESIGN §6).
 */
const connections = connectionStore();
const endpoint = managementEndpoint();

export const handler = middy(async (rawEvent: unknown): Promise<APIGatewayProxyResultV2> => {
  const { requestContext } = routeEventSchema.parse(rawEvent);
  const userId = requestContext.authorizer.sub;
  logger.appendKeys({ user: hashUserId(userId), connection_id: requestContext.connectionId });
  const outcome = await connections.open({ userId, connectionId: requestContext.connectionId, endpoint });
  metrics.addMetric(outcome.kind === 'opened' ? 'WebSocketConnected' : 'WebSocketRefused', 'Count', 1);
  publishMetricsIfAny();
  if (outcome.kind === 'limit-reached') {
    logger.info('WebSocket connection refused: connection limit reached');
    return {
      statusCode: 429,
      body: JSON.stringify(
        errorFrame(
          'CONNECTION_LIMIT_REACHED: a user may have at most MAX_CONNECTIONS_PER_USER open connections.',
        ),
      ),
    };
  }
  logger.info('WebSocket connected');
  return { statusCode: 200 };
}).use(injectLambdaContext(logger, { resetKeys: true }));
