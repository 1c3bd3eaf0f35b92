import { dataEnvelope } from '../schemas/envelope';
import { healthSchema, livenessSchema, readinessSchema } from '../schemas/health';
import { defineRoute } from './route-definition';

export const healthRoutes = {
  getLiveness: defineRoute({
    id: 'getLiveness',
    method: 'GET',
    path: '/healthz',
    summary: 'Liveness: the process answers (no I/O).',
    tags: ['health'],
    handler: { entry: 'functions/health/get-liveness.ts', export: 'handler' },
    auth: 'none',
    kind: 'http',
    responses: { 200: { description: 'Alive', schema: dataEnvelope(livenessSchema) } },
    errors: [],
    access: {},
  }),
  getReadiness: defineRoute({
    id: 'getReadiness',
    method: 'GET',
    path: '/readyz',
    summary: 'Readiness: DynamoDB is reachable (503 NOT_READY otherwise).',
    tags: ['health'],
    handler: { entry: 'functions/health/get-readiness.ts', export: 'handler' },
    auth: 'none',
    kind: 'http',
    responses: { 200: { description: 'Ready', schema: dataEnvelope(readinessSchema) } },
    errors: ['NOT_READY'],
    access: { chatTable: 'RO' },
  }),
  getHealth: defineRoute({
    id: 'getHealth',
    method: 'GET',
    path: '/api/health',
    summary: 'Component health and version (200 with the status of each component).',
    tags: ['health'],
    handler: { entry: 'functions/health/get-health.ts', export: 'handler' },
    auth: 'none',
    kind: 'http',
    responses: { 200: { description: 'Health report', schema: dataEnvelope(healthSchema) } },
    errors: [],
    access: { chatTable: 'RO' },
  }),
} as const;
