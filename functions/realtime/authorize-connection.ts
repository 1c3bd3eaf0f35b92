import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayAuthorizerResult } from 'aws-lambda';
import { createTokenVerifier } from '../../shared/auth/token-verifier';
import { getConfig } from '../../shared/config/config';
import { hashUserId, logger } from '../../shared/observability/powertools';
import { authorizerEventSchema, isUsableSubject } from '../../shared/realtime/websocket-events';

/**
 * The WebSocket API's `$connect` authorizer (Lambda REQUEST authorizer, identity source
 * `route.request.querystring.token`): the same JWT check as every other entry point. Throwing
 * `Unauthorized` is how a Lambda authorizer makes API Gateway answer 401 (a Deny policy would
 * be 403); the handshake fails and no route runs.
 */
const verifier = createTokenVerifier(getConfig());

export const handler = middy(async (rawEvent: unknown): Promise<APIGatewayAuthorizerResult> => {
  const event = authorizerEventSchema.parse(rawEvent);
  const token = event.queryStringParameters?.token;
  if (!token) throw new Error('Unauthorized');
  let sub: string;
  try {
    sub = (await verifier.verify(token)).sub;
  } catch (error) {
    logger.info('WebSocket token refused', { error_message: (error as Error).message });
    throw new Error('Unauthorized');
  }
  if (!isUsableSubject(sub)) throw new Error('Unauthorized');
  logger.debug('WebSocket token accepted', { user: hashUserId(sub) });
  return {
    principalId: sub,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: event.methodArn }],
    },
    context: { sub },
  };
}).use(injectLambdaContext(logger, { resetKeys: true }));
