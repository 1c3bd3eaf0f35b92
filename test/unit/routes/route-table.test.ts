import { describe, expect, it } from 'vitest';
import { httpStatusByCode } from '../../../shared/http/error-mapper';
import { buildOpenApiDocument } from '../../../shared/openapi/openapi-document';
import { deployedRoutes, routeTable } from '../../../shared/routes/route-table';

describe('the route table', () => {
  it('has unique ids and unique method + path pairs', () => {
    const ids = routeTable.map((route) => route.id);
    const keys = routeTable.map((route) => `${route.method} ${route.path}`);

    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('never deploys a local-only route', () => {
    expect(deployedRoutes().map((route) => route.path)).not.toContain('/local/token');
    expect(routeTable.map((route) => route.path)).toContain('/local/token');
  });

  it('keeps health public and everything under /api except health behind a JWT', () => {
    for (const route of routeTable) {
      const isPublic = ['/healthz', '/readyz', '/api/health', '/local/token'].includes(route.path);
      expect({ path: route.path, auth: route.auth }).toEqual({
        path: route.path,
        auth: isPublic ? 'none' : 'jwt',
      });
    }
  });
});

describe('the OpenAPI document', () => {
  const document = buildOpenApiDocument({ includeLocalOnly: false, version: '1.2.3' });

  it('documents every deployed route with its operation id', () => {
    for (const route of deployedRoutes()) {
      const operation = document.paths?.[route.path]?.[route.method.toLowerCase() as 'get'];
      expect(operation?.operationId, `${route.method} ${route.path}`).toBe(route.id);
    }
  });

  it('documents the status of every error code a route can answer', () => {
    for (const route of deployedRoutes()) {
      const operation = document.paths?.[route.path]?.[route.method.toLowerCase() as 'get'];
      for (const code of route.errors) {
        const response = operation?.responses?.[String(httpStatusByCode[code])] as { description?: string };
        expect(response?.description, `${route.id} ${code}`).toContain(code);
      }
    }
  });

  it('marks JWT routes with the bearer scheme and documents the authorizer 401', () => {
    const me = document.paths?.['/api/me']?.get;

    expect(me?.security).toEqual([{ bearerAuth: [] }]);
    expect(me?.responses?.['401']).toBeDefined();
    expect(document.paths?.['/healthz']?.get?.security).toBeUndefined();
  });
});
