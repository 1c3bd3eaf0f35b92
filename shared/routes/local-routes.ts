import { dataEnvelope } from '../schemas/envelope';
import { localTokenRequestSchema, localTokenSchema } from '../schemas/local-token';
import { defineRoute } from './route-definition';

/** Served by the local gateway only; never deployed. */
export const localRoutes = {
  createLocalToken: defineRoute({
    id: 'createLocalToken',
    method: 'POST',
    path: '/local/token',
    summary: 'Local mode only: mint a signed JWT for a user id.',
    tags: ['local'],
    handler: { entry: 'local/handlers/create-local-token.ts', export: 'handler' },
    auth: 'none',
    kind: 'http',
    localOnly: true,
    request: { body: localTokenRequestSchema },
    responses: { 200: { description: 'A token', schema: dataEnvelope(localTokenSchema) } },
    errors: ['VALIDATION_ERROR', 'INVALID_JSON', 'UNSUPPORTED_MEDIA_TYPE', 'PAYLOAD_TOO_LARGE'],
    access: {},
  }),
} as const;
