import { currentUserSchema } from '../schemas/account';
import { dataEnvelope } from '../schemas/envelope';
import { defineRoute } from './route-definition';

export const accountRoutes = {
  getCurrentUser: defineRoute({
    id: 'getCurrentUser',
    method: 'GET',
    path: '/api/me',
    summary: 'Who the bearer token says you are (lets a client check its sign-in).',
    tags: ['account'],
    handler: { entry: 'functions/account/get-current-user.ts', export: 'handler' },
    auth: 'jwt',
    kind: 'http',
    responses: { 200: { description: 'The signed-in user', schema: dataEnvelope(currentUserSchema) } },
    errors: [],
    access: {},
  }),
} as const;
