import type { z } from 'zod';
import type { AuditAction } from '../schemas/account';
import type { ErrorCode } from '../schemas/error-codes';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
export type TableAccess = 'RO' | 'RW';
/**
 * The audit table is append-only: `APPEND` is PutItem (and ConditionCheckItem) only;
 * `READ_APPEND` adds the reads of the listing. Nothing may update or delete an event.
 */
export type AuditTableAccess = 'APPEND' | 'READ_APPEND';

/**
 * How a route's audit event is written without a round trip of its own:
 * - `transaction`: it joins the request's first write transaction (stored iff the change commits);
 * - `parallel`: it is put while the request's reads run (reads, and writes that are one item).
 * Either way a request that fails records its outcome (shared/http/audit.ts).
 */
export interface RouteAudit {
  readonly action: AuditAction;
  readonly mode: 'transaction' | 'parallel';
}

export interface RouteResponse {
  readonly description: string;
  /** The body schema; `undefined` for an empty body. */
  readonly schema?: z.ZodType;
  /** Extra response headers, documented in OpenAPI (e.g. `Retry-After`, `Deprecation`). */
  readonly headers?: Readonly<Record<string, string>>;
  /** For streams: the media type of the body. */
  readonly contentType?: 'application/json' | 'text/event-stream';
}

export interface RouteDefinition {
  /** Stable, unique, camelCase: the OpenAPI operationId and the CDK construct id's stem. */
  readonly id: string;
  readonly method: HttpMethod;
  /** API Gateway style path with `{param}` placeholders. */
  readonly path: string;
  readonly summary: string;
  readonly tags: readonly string[];
  /** Handler module (from the repository root) and its export. */
  readonly handler: { readonly entry: string; readonly export: 'handler' };
  /** `jwt`: the HTTP API JWT authorizer (locally: its emulation) guards the route. */
  readonly auth: 'jwt' | 'none';
  /**
   * `http`: an HTTP API route with a buffered Lambda integration.
   * `stream`: a Lambda function URL in RESPONSE_STREAM mode; the handler verifies the JWT itself.
   */
  readonly kind: 'http' | 'stream';
  /** Served by the local gateway only, never deployed (e.g. `POST /local/token`). */
  readonly localOnly?: boolean;
  readonly deprecated?: boolean;
  readonly request?: {
    readonly params?: z.ZodObject;
    readonly query?: z.ZodObject;
    readonly body?: z.ZodType;
    /** Request headers the route reads (e.g. `Idempotency-Key`), documented in OpenAPI. */
    readonly headers?: z.ZodObject;
  };
  readonly responses: Readonly<Record<number, RouteResponse>>;
  /** Error codes this route can answer with, besides the ones every route can. */
  readonly errors: readonly ErrorCode[];
  /** Least privilege: what the route's function may do. CDK turns this into grants and env vars. */
  readonly access: {
    readonly chatTable?: TableAccess;
    readonly streamsTable?: TableAccess;
    /** WebSocket connections (the realtime functions; no HTTP route needs them today). */
    readonly connectionsTable?: TableAccess;
    readonly auditTable?: AuditTableAccess;
    readonly invokeModel?: boolean;
  };
  /** One append-only audit event per request (DESIGN "Your data"); the route needs `access.auditTable`. */
  readonly audit?: RouteAudit;
}

/** Declares a route with its types checked, keeping the literal types of the schemas. */
export const defineRoute = <const R extends RouteDefinition>(route: R): R => route;

/** Every signed-in route can answer these: a bad parameter, or a `user_id` that is not the caller. */
export const requestErrorCodes: readonly ErrorCode[] = ['VALIDATION_ERROR', 'FORBIDDEN'];
/** And routes with a JSON body these. */
export const bodyErrorCodes: readonly ErrorCode[] = [
  ...requestErrorCodes,
  'INVALID_JSON',
  'UNSUPPORTED_MEDIA_TYPE',
  'PAYLOAD_TOO_LARGE',
];
