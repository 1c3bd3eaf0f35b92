import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import {
  clientMessageSchema,
  errorFrame,
  pongFrame,
  routeEventSchema,
} from '../../shared/realtime/websocket-events';

/**
 * `$default`: every client message. The route returns its response to the client (a two-way
 * route), so a ping costs no management API call: `{"action":"ping"}` → `{"type":"pong"}`,
 * anything else → `{"type":"error"}`. What a client sent is never logged.
 */
const reply = (frame: object): APIGatewayProxyResultV2 => ({ statusCode: 200, body: JSON.stringify(frame) });

export const handler = async (rawEvent: unknown): Promise<APIGatewayProxyResultV2> => {
  const event = routeEventSchema.parse(rawEvent);
  let message: unknown;
  try {
    message = JSON.parse(event.body ?? '');
  } catch {
    return reply(errorFrame('Messages are JSON: send {"action":"ping"}.'));
  }
  return clientMessageSchema.safeParse(message).success
    ? reply(pongFrame)
    : reply(errorFrame('Unknown message: the only one accepted is {"action":"ping"}.'));
};
