import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { httpStatusByCode } from '../http/error-mapper';
import type { RouteDefinition } from '../routes/route-definition';
import { routeTable } from '../routes/route-table';
import { errorBodySchema, gatewayUnauthorizedSchema } from '../schemas/envelope';
import type { ErrorCode } from '../schemas/error-codes';

/**
 * The OpenAPI 3.1 document, generated from the route table's zod schemas (never written by
 * hand). `npm run openapi` writes it to docs/openapi.json; the local gateway serves it.
 * Dev tooling only: no Lambda bundle imports this module.
 */
const commonErrors: readonly ErrorCode[] = ['INTERNAL', 'SERVICE_UNAVAILABLE'];

/** Codes whose answer can carry `Retry-After` (DomainError.retryAfterSeconds → error-mapper). */
const retryAfterCodes: readonly ErrorCode[] = ['RATE_LIMITED', 'CONFLICT'];
const retryAfterHeader = {
  'Retry-After': {
    description: 'Seconds to wait before retrying (sent when waiting helps: rate limits, contention).',
    schema: { type: 'string' },
  },
};

function errorResponses(route: RouteDefinition) {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set([...route.errors, ...commonErrors])) {
    const status = httpStatusByCode[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: Record<
    number,
    { description: string; headers?: object; content: Record<string, { schema: unknown }> }
  > = {};
  for (const [status, codes] of byStatus) {
    responses[status] = {
      description: `Error: ${codes.join(', ')}`,
      ...(codes.some((code) => retryAfterCodes.includes(code)) ? { headers: retryAfterHeader } : {}),
      content: { 'application/json': { schema: errorBodySchema } },
    };
  }
  if (route.auth === 'jwt') {
    responses[401] =
      route.kind === 'stream'
        ? { description: 'Error: UNAUTHORIZED', content: { 'application/json': { schema: errorBodySchema } } }
        : {
            description: "Missing, invalid or expired token (API Gateway's JWT authorizer answers this body)",
            content: { 'application/json': { schema: gatewayUnauthorizedSchema } },
          };
  }
  return responses;
}

function successResponses(route: RouteDefinition) {
  const responses: Record<number, object> = {};
  for (const [status, response] of Object.entries(route.responses)) {
    const headers = response.headers
      ? Object.fromEntries(
          Object.entries(response.headers).map(([name, description]) => [
            name,
            { description, schema: { type: 'string' } },
          ]),
        )
      : undefined;
    responses[Number(status)] = {
      description: response.description,
      ...(headers ? { headers } : {}),
      ...(response.schema
        ? { content: { [response.contentType ?? 'application/json']: { schema: response.schema } } }
        : {}),
    };
  }
  return responses;
}

export interface OpenApiOptions {
  /** Include routes served only by the local gateway (`POST /local/token`). */
  readonly includeLocalOnly: boolean;
  readonly version: string;
  readonly serverUrl?: string;
}

export function buildOpenApiDocument(
  options: OpenApiOptions,
  routes: readonly RouteDefinition[] = routeTable,
) {
  const registry = new OpenAPIRegistry();
  const bearer = registry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'A Cognito (AWS) or local-issuer (npm start) JWT; the user is its `sub`.',
  });
  for (const route of routes) {
    if (route.localOnly && !options.includeLocalOnly) continue;
    const request = route.request ?? {};
    registry.registerPath({
      operationId: route.id,
      method: route.method.toLowerCase() as 'get' | 'post' | 'patch' | 'put' | 'delete',
      path: route.path,
      summary: route.summary,
      tags: [...route.tags],
      ...(route.deprecated ? { deprecated: true } : {}),
      ...(route.auth === 'jwt' ? { security: [{ [bearer.name]: [] }] } : {}),
      request: {
        ...(request.params ? { params: request.params } : {}),
        ...(request.query ? { query: request.query } : {}),
        ...(request.headers ? { headers: request.headers } : {}),
        ...(request.body ? { body: { content: { 'application/json': { schema: request.body } } } } : {}),
      },
      responses: { ...successResponses(route), ...errorResponses(route) } as never,
    });
  }
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'CareGuide Chat Backend',
      version: options.version,
      description:
        'Rooms, sessions and streamed chat answers with server-side stop. Success bodies are `{"data": ...}`, errors `{"error": {code, message, details}}`.',
    },
    ...(options.serverUrl ? { servers: [{ url: options.serverUrl }] } : {}),
  });
}
