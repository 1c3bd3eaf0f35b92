import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { z } from 'zod';
import { subjectProblem } from '../auth/subject';
import { DomainError } from '../domain/errors';
import type { RouteDefinition } from '../routes/route-definition';
import type { ErrorDetail } from '../schemas/error-codes';
import { JsonProblem, parseStrictJson } from './strict-json';

type Part = 'params' | 'query' | 'body' | 'headers';

/** Turns zod issues into the envelope's details, with paths such as `body.room_name`. */
export function issuesToDetails(part: Part, issues: readonly z.core.$ZodIssue[]): ErrorDetail[] {
  return issues.map((issue) => ({
    path: [part, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
}

function validate(part: Part, schema: z.ZodType | undefined, value: unknown): unknown {
  if (!schema) return undefined;
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new DomainError('VALIDATION_ERROR', `Invalid request ${part}.`, {
      details: issuesToDetails(part, result.error.issues),
    });
  }
  return result.data;
}

const invalidJson = () => new DomainError('INVALID_JSON', 'Request body is not valid JSON.');
const LONE_SURROGATE = /\p{Cs}/u;
// fatal: bytes that are not UTF-8 are refused, never decoded to U+FFFD and stored that way.
const utf8 = new TextDecoder('utf-8', { fatal: true });

function rawBody(event: APIGatewayProxyEventV2): Buffer {
  if (!event.body) return Buffer.alloc(0);
  if (event.isBase64Encoded) return Buffer.from(event.body, 'base64');
  // A lone surrogate has no UTF-8 form: Buffer.from would write U+FFFD in its place.
  if (LONE_SURROGATE.test(event.body)) throw invalidJson();
  return Buffer.from(event.body, 'utf8');
}

function parseJsonBody(event: APIGatewayProxyEventV2, maxBytes: number): unknown {
  const bytes = rawBody(event);
  if (bytes.length > maxBytes) {
    throw new DomainError('PAYLOAD_TOO_LARGE', `Request body exceeds ${maxBytes} bytes.`);
  }
  if (bytes.length === 0) return {};
  const contentType = headerValue(event.headers, 'content-type') ?? '';
  if (!/^application\/(?:[\w.+-]+\+)?json\b/i.test(contentType.trim())) {
    throw new DomainError('UNSUPPORTED_MEDIA_TYPE', 'Request body must be application/json.');
  }
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw invalidJson();
  }
  try {
    return parseStrictJson(text);
  } catch (error) {
    if (!(error instanceof JsonProblem) || error.kind === 'syntax') throw invalidJson();
    throw new DomainError('VALIDATION_ERROR', 'Invalid request body.', {
      details: [{ path: ['body', ...error.path.map(String)].join('.'), message: error.message }],
    });
  }
}

export function headerValue(
  headers: APIGatewayProxyEventV2['headers'] | undefined,
  name: string,
): string | undefined {
  if (!headers) return undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}

/** The authenticated user's `sub`, as the JWT authorizer put it on the event. */
export function claimsSubject(event: APIGatewayProxyEventV2): string | undefined {
  const context = event.requestContext as APIGatewayProxyEventV2['requestContext'] & {
    authorizer?: { jwt?: { claims?: Record<string, unknown> } };
  };
  const sub = context.authorizer?.jwt?.claims?.sub;
  return typeof sub === 'string' && sub.length > 0 ? sub : undefined;
}

/**
 * On AWS the HTTP API's JWT authorizer checks signature and times but knows nothing of the key
 * layout: the `sub` rule (shared/auth/subject.ts) is applied here too, so every entry point
 * refuses what the token verifier refuses.
 */
function checkedSubject(sub: string | undefined): string | undefined {
  if (sub === undefined) return undefined;
  const problem = subjectProblem(sub);
  if (problem !== undefined) throw new DomainError('UNAUTHORIZED', problem);
  return sub;
}

/**
 * DESIGN §4: a `user_id` in a body or query is accepted only when it equals the token's `sub`
 * (old clients send it); it is then dropped, so schemas never see it.
 */
function withoutCompatibleUserId(part: Part, value: unknown, sub: string | undefined): unknown {
  if (!value || typeof value !== 'object' || Array.isArray(value) || !('user_id' in value)) return value;
  const { user_id: userId, ...rest } = value as Record<string, unknown>;
  if (sub === undefined || userId !== sub) {
    throw new DomainError('FORBIDDEN', `${part}.user_id does not match the signed-in user.`);
  }
  return rest;
}

export interface ParsedRequest {
  readonly params: unknown;
  readonly query: unknown;
  readonly body: unknown;
  readonly headers: unknown;
  readonly sub: string | undefined;
}

export function parseRequest(
  route: RouteDefinition,
  event: APIGatewayProxyEventV2,
  options: { readonly maxBodyBytes: number; readonly sub: string | undefined },
): ParsedRequest {
  const sub = checkedSubject(options.sub);
  if (route.auth === 'jwt' && !sub)
    throw new DomainError('UNAUTHORIZED', 'A valid bearer token is required.');
  const schemas = route.request ?? {};
  // Only signed-in routes have a user to compare with; elsewhere `user_id` is ordinary input.
  const compatible = (part: Part, value: unknown) =>
    route.auth === 'jwt' ? withoutCompatibleUserId(part, value, sub) : value;
  const rawQuery = compatible('query', event.queryStringParameters ?? {});
  const body = schemas.body ? compatible('body', parseJsonBody(event, options.maxBodyBytes)) : {};
  const lowerCaseHeaders = Object.fromEntries(
    Object.entries(event.headers ?? {}).map(([key, value]) => [key.toLowerCase(), value]),
  );
  return {
    params: validate('params', schemas.params, event.pathParameters ?? {}),
    query: validate('query', schemas.query, rawQuery),
    body: validate('body', schemas.body, body),
    headers: validate('headers', schemas.headers, lowerCaseHeaders),
    sub,
  };
}
