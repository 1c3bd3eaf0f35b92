import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { accessTables } from '../infra/constructs/function-access';
import { maintenanceJobs } from '../infra/maintenance-jobs';
import type { TableDefinition } from '../shared/data/table-definitions';
import { filterPatternOf } from '../shared/realtime/change-subscriptions';
import { webSocketFanOut } from '../shared/realtime/websocket-functions';
import { lambdaContext } from './lambda-event';
import type { StreamConsumer } from './table-stream-poller';

/**
 * Which stream-triggered functions read which table, from the declarations CDK deploys them
 * by: the WebSocket fan-out (shared/realtime/websocket-functions.ts) and the maintenance jobs
 * with a `table-stream` trigger (infra/maintenance-jobs.ts), each with its mapping's filters.
 *
 * `jobs: false` leaves the jobs out. Every gateway process must run the fan-out (it posts only
 * to the sockets it holds), but a job must run once per record, as its single event source
 * mapping does on AWS: of several gateways sharing one DynamoDB, one runs the jobs.
 */
type StreamHandler = (
  event: DynamoDBStreamEvent,
  context: Context,
) => Promise<DynamoDBBatchResponse | undefined>;

function loader(repoRoot: string, entry: string, exportName: string): () => Promise<StreamHandler> {
  let loading: Promise<StreamHandler> | undefined;
  return () => {
    loading ??= import(pathToFileURL(isAbsolute(entry) ? entry : resolve(repoRoot, entry)).href).then(
      (module) => module[exportName] as StreamHandler,
    );
    return loading;
  };
}

export function streamConsumersFor(
  table: TableDefinition,
  options: { readonly repoRoot: string; readonly jobs: boolean; readonly timeoutMs?: number },
): StreamConsumer[] {
  const timeoutMs = options.timeoutMs ?? 300_000;
  const consumers: StreamConsumer[] = [];
  const add = (
    name: string,
    handler: { entry: string; export: string },
    filters: StreamConsumer['filters'],
    batchSize: number,
  ) => {
    const load = loader(options.repoRoot, handler.entry, handler.export);
    consumers.push({
      name,
      filters,
      batchSize,
      invoke: async (event, context) => (await load())(event, context),
      context: () => lambdaContext(name, timeoutMs),
    });
  };

  for (const subscription of webSocketFanOut.subscriptions) {
    if (subscription.table.constructId !== table.constructId) continue;
    add(
      webSocketFanOut.id,
      webSocketFanOut.handler,
      subscription.filters.map((filter) => filterPatternOf(table, filter)),
      webSocketFanOut.batchSize,
    );
  }
  if (options.jobs) {
    for (const job of maintenanceJobs) {
      const trigger = job.trigger;
      if (trigger.kind !== 'table-stream' || accessTables[trigger.table].constructId !== table.constructId)
        continue;
      add(
        job.id,
        job.handler,
        [
          filterPatternOf(table, {
            eventNames: trigger.eventNames,
            ...(trigger.sortKeyPrefix !== undefined ? { sortKeyPrefix: trigger.sortKeyPrefix } : {}),
          }),
        ],
        trigger.batchSize ?? 10,
      );
    }
  }
  return consumers;
}
