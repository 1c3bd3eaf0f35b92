import type { RouteDefinition } from '../routes/route-definition';
import { fanOutSubscriptions, type TableSubscription } from './change-subscriptions';

/**
 * The WebSocket API's functions, declared once (what the route table is to HTTP routes): CDK
 * (infra/constructs/websocket.ts) deploys each with exactly `access`, the local gateway
 * (local/websocket-gateway.ts, local/table-stream-poller.ts) imports the same modules.
 */
export interface WebSocketFunction {
  /** Stable, camelCase: the construct id's stem. */
  readonly id: string;
  readonly summary: string;
  readonly handler: { readonly entry: string; readonly export: 'handler' };
  /** Least privilege, as a route declares it. */
  readonly access: RouteDefinition['access'];
}

export interface WebSocketRoute extends WebSocketFunction {
  readonly routeKey: '$connect' | '$disconnect' | '$default';
}

export const webSocketAuthorizer: WebSocketFunction = {
  id: 'webSocketAuthorizer',
  summary: 'Verifies the JWT of a WebSocket handshake (?token=).',
  handler: { entry: 'functions/realtime/authorize-connection.ts', export: 'handler' },
  access: {},
};

export const webSocketRoutes: readonly WebSocketRoute[] = [
  {
    id: 'webSocketConnect',
    routeKey: '$connect',
    summary: 'Records a WebSocket connection in one of its user’s slots (429 beyond the limit).',
    handler: { entry: 'functions/realtime/connect.ts', export: 'handler' },
    access: { connectionsTable: 'RW' },
  },
  {
    id: 'webSocketDisconnect',
    routeKey: '$disconnect',
    summary: 'Forgets a closed WebSocket connection and frees its slot.',
    handler: { entry: 'functions/realtime/disconnect.ts', export: 'handler' },
    access: { connectionsTable: 'RW' },
  },
  {
    id: 'webSocketDefault',
    routeKey: '$default',
    summary: 'Answers client messages: ping → pong, anything else → error.',
    handler: { entry: 'functions/realtime/default-route.ts', export: 'handler' },
    access: {},
  },
];

export interface StreamFunction extends WebSocketFunction {
  readonly subscriptions: readonly TableSubscription[];
  /** Records per invocation. */
  readonly batchSize: number;
}

export const webSocketFanOut: StreamFunction = {
  id: 'webSocketFanOut',
  summary: 'Turns chat and stream changes into events posted to every open connection of their user.',
  handler: { entry: 'functions/realtime/fan-out-changes.ts', export: 'handler' },
  // Query the user's connections, delete the gone ones; the table streams are granted per mapping.
  access: { connectionsTable: 'RW' },
  subscriptions: fanOutSubscriptions,
  batchSize: 25,
};
