import * as z from 'zod';

/**
 * The parts of API Gateway WebSocket events the handlers read, parsed (never cast). The local
 * gateway (local/websocket-gateway.ts) builds events of the same shape.
 */
export const authorizerEventSchema = z.object({
  methodArn: z.string(),
  queryStringParameters: z.record(z.string(), z.string().optional()).nullish(),
  requestContext: z.object({ connectionId: z.string() }).optional(),
});

/** `$connect`, `$disconnect`, `$default`: the authorizer's context is on every route of the connection. */
export const routeEventSchema = z.object({
  requestContext: z.object({
    routeKey: z.string(),
    connectionId: z.string().min(1),
    authorizer: z.object({ sub: z.string().min(1) }),
  }),
  body: z.string().nullish(),
  isBase64Encoded: z.boolean().optional(),
});
export type RouteEvent = z.output<typeof routeEventSchema>;

/**
 * Answers to what a client sends: `{"action":"ping"}` → pong; anything else → error. (Here, not
 * beside the event frames: the route handlers then bundle no Room/Session/Message schemas.)
 */
export const pongFrame = { type: 'pong' } as const;
export const errorFrame = (message: string) => ({ type: 'error', message }) as const;

/** What a client may send: `{"action":"ping"}` (API Gateway's default route selection reads `action`). */
export const clientMessageSchema = z.strictObject({ action: z.literal('ping') });

/**
 * DESIGN §6: a `sub` is 1-128 characters, without `#` (the key separator) or control characters;
 * any other token is refused, since the sub goes into every key of the user.
 */
export const isUsableSubject = (sub: string): boolean =>
  sub.length >= 1 && sub.length <= 128 && !sub.includes('#') && !/\p{Cc}/u.test(sub);
