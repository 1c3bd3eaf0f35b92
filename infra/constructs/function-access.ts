import {
  auditTable,
  chatTable,
  connectionsTable,
  streamsTable,
  type TableDefinition,
} from '../../shared/data/table-definitions';
import type { RouteDefinition } from '../../shared/routes/route-definition';
import type { ApiFunction } from './api-function';
import type { Data } from './data';

/** What a function may do, as a route (or a maintenance job) declares it. */
export type FunctionAccess = RouteDefinition['access'];

/** Which table each table key of `access` means; a new key fails the typecheck until mapped here. */
export const accessTables = {
  chatTable,
  streamsTable,
  connectionsTable,
  auditTable,
} as const satisfies Record<Exclude<keyof FunctionAccess, 'invokeModel'>, TableDefinition>;

/**
 * Turns a declared `access` into grants and env vars, together: a table name only with its
 * grant, Bedrock only when `invokeModel` is declared. Nothing else is ever granted here.
 */
export function bindAccess(fn: ApiFunction, access: FunctionAccess, data: Data): void {
  for (const [key, definition] of Object.entries(accessTables)) {
    const tableAccess = access[key as keyof typeof accessTables];
    if (tableAccess) fn.bindTable(data.tableFor(definition), tableAccess, definition.envVar);
  }
  if (access.invokeModel) fn.bindModel();
}

/** `getLiveness` → `GetLiveness`: a route's (or job's) construct-id stem. */
export const constructIdOf = (id: string): string => id.charAt(0).toUpperCase() + id.slice(1);
