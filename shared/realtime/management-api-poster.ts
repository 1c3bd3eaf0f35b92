import {
  ApiGatewayManagementApiClient,
  GoneException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import type { FramePoster, PostOutcome } from './fan-out';

/**
 * The `FramePoster` port over the API Gateway management API. One client per endpoint, made
 * once; the SDK's own retries are off (`maxAttempts: 1`) so that the fan-out's bounded retries
 * are the only ones and a slow connection cannot hold a batch for the SDK's full backoff.
 */
const RETRYABLE = new Set([
  'LimitExceededException',
  'ThrottlingException',
  'TooManyRequestsException',
  'InternalServerErrorException',
  'ServiceUnavailableException',
  'TimeoutError',
  'RequestTimeout',
]);

export function classifyPostError(error: unknown): PostOutcome {
  if (error instanceof GoneException || (error as Error)?.name === 'GoneException') return { kind: 'gone' };
  const name = (error as Error)?.name ?? 'Error';
  const status = (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
  // No HTTP status at all: the request got no answer (connection reset, timeout): worth a retry.
  if (RETRYABLE.has(name) || status === undefined || status === 429 || status >= 500)
    return { kind: 'retryable', errorName: name };
  return { kind: 'failed', errorName: name };
}

export function createManagementApiPoster(options: { readonly region: string }): FramePoster {
  const clients = new Map<string, ApiGatewayManagementApiClient>();
  const clientFor = (endpoint: string): ApiGatewayManagementApiClient => {
    let client = clients.get(endpoint);
    if (!client) {
      client = new ApiGatewayManagementApiClient({
        endpoint,
        region: options.region,
        maxAttempts: 1,
        // A connection that does not answer must not hold the batch: the fan-out retries instead.
        requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000 },
      });
      clients.set(endpoint, client);
    }
    return client;
  };
  return {
    async post(connection, payload) {
      try {
        await clientFor(connection.endpoint).send(
          new PostToConnectionCommand({ ConnectionId: connection.connectionId, Data: payload }),
        );
        return { kind: 'sent' };
      } catch (error) {
        return classifyPostError(error);
      }
    },
  };
}
