import { ConfigError, getConfig } from '../config/config';
import { getDocumentClient, tableNames } from '../data/dynamo-client';
import { systemClock } from '../domain/clock';
import { createConnectionRepository } from '../realtime/connection-repository';
import type { ConnectionStore } from '../realtime/connections';
import type { FanOutDeps } from '../realtime/fan-out';
import { createManagementApiPoster } from '../realtime/management-api-poster';

/** The composition root of the WebSocket functions: real adapters, system clock, configured limits. */
export function connectionStore(): ConnectionStore {
  const config = getConfig();
  return createConnectionRepository({
    client: getDocumentClient(),
    tableName: tableNames.connections,
    clock: systemClock,
    maxConnections: config.MAX_CONNECTIONS_PER_USER,
    connectionSeconds: config.WEBSOCKET_CONNECTION_TTL_SECONDS,
  });
}

/** The endpoint connections are reached through (set by CDK on AWS, by the gateway locally). */
export function managementEndpoint(): string {
  const endpoint = getConfig().WEBSOCKET_MANAGEMENT_ENDPOINT;
  if (!endpoint)
    throw new ConfigError('WEBSOCKET_MANAGEMENT_ENDPOINT is not set: this function has no WebSocket API.');
  return endpoint;
}

export function fanOutDependencies(): FanOutDeps {
  return {
    connections: connectionStore(),
    poster: createManagementApiPoster({ region: getConfig().AWS_REGION }),
    endpoint: managementEndpoint(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  };
}
