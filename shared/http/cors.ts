/**
 * CORS, described once: CDK configures the HTTP API's and the function URL's CORS with these
 * values, and the local gateway emulates API Gateway with the same ones.
 */
export const corsAllowedHeaders = [
  'authorization',
  'content-type',
  'idempotency-key',
  // A resuming reader names the last event it received (GET /api/chat/streams/{id}/events).
  'last-event-id',
  'x-request-id',
  // A browser app resuming a stream from another origin sends it (DESIGN: the stream log).
  'last-event-id',
] as const;
export const corsExposedHeaders = [
  'retry-after',
  'deprecation',
  'link',
  'location',
  'idempotent-replayed',
  // A download's file name (room and account exports), read by a browser app on another origin.
  'content-disposition',
] as const;
export const corsMaxAgeSeconds = 600;

export function corsPolicy(allowedOrigins: readonly string[]) {
  const allowsAny = allowedOrigins.includes('*');
  const allowedOrigin = (origin: string | undefined): string | undefined => {
    if (!origin) return undefined;
    if (allowsAny) return '*';
    return allowedOrigins.includes(origin) ? origin : undefined;
  };
  return {
    responseHeaders(origin: string | undefined): Record<string, string> {
      const allowed = allowedOrigin(origin);
      if (!allowed) return {};
      return {
        'access-control-allow-origin': allowed,
        'access-control-expose-headers': corsExposedHeaders.join(','),
        ...(allowsAny ? {} : { vary: 'Origin' }),
      };
    },
    preflightHeaders(origin: string | undefined, methods: readonly string[]): Record<string, string> {
      const allowed = allowedOrigin(origin);
      if (!allowed || methods.length === 0) return {};
      return {
        'access-control-allow-origin': allowed,
        'access-control-allow-methods': [...new Set([...methods, 'OPTIONS'])].join(','),
        'access-control-allow-headers': corsAllowedHeaders.join(','),
        'access-control-max-age': String(corsMaxAgeSeconds),
        ...(allowsAny ? {} : { vary: 'Origin' }),
      };
    },
  };
}
