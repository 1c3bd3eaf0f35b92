import { accountRoutes } from './account-routes';
import { chatRoutes } from './chat-routes';
import { healthRoutes } from './health-routes';
import { localRoutes } from './local-routes';
import { roomRoutes } from './room-routes';
import type { RouteDefinition } from './route-definition';
import { sessionRoutes } from './session-routes';

/**
 * Every HTTP route, once, grouped by area. Handlers take their route from `routes` (typed by its
 * schemas); CDK builds the HTTP API and function URL from `routeTable`, the local gateway serves
 * it, shared/openapi/openapi-document.ts documents it, and tests walk it.
 */
export const routes = {
  ...healthRoutes,
  ...accountRoutes,
  ...roomRoutes,
  ...sessionRoutes,
  ...chatRoutes,
  ...localRoutes,
} as const;

export const routeTable: readonly RouteDefinition[] = Object.values(routes);

/** The routes deployed to AWS. */
export const deployedRoutes = (): readonly RouteDefinition[] =>
  routeTable.filter((route) => !route.localOnly);
