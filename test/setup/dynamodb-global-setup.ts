/**
 * Starts one in-memory DynamoDB Local for the test run, creates the tables under a prefix
 * unique to the run, and hands the endpoint and table names to the tests (test-env.ts reads
 * them). Teardown stops it.
 *
 * Vitest runs each project's global setup in its own module instance, but all in this one
 * process, sequentially, before any test. So the `integration` and `e2e` projects share one
 * DynamoDB Local through a process-wide slot, and the last teardown stops it.
 */
import { randomUUID } from 'node:crypto';
import type { TestProject } from 'vitest/node';
import { createLocalDynamoDbClient, startDynamoDbLocal } from '../../local/dynamodb-local';
import { ensureTables, localTableNames } from '../../local/dynamodb-tables';
import { auditTable, chatTable, connectionsTable, streamsTable } from '../../shared/data/table-definitions';

type DynamoDbContext = ReturnType<TestProject['getProvidedContext']>['dynamodb'];

interface SharedDynamoDb {
  started: Promise<{ context: DynamoDbContext; stop: () => Promise<void> }>;
  users: number;
}

const slot = Symbol.for('careguide.test.dynamodb-local');
const processWide = globalThis as { [slot]?: SharedDynamoDb };

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  processWide[slot] ??= { started: startForTests(), users: 0 };
  const shared = processWide[slot];
  shared.users += 1;
  const { context, stop } = await shared.started;
  project.provide('dynamodb', context);

  return async () => {
    shared.users -= 1;
    if (shared.users > 0) return;
    delete processWide[slot];
    await stop();
  };
}

async function startForTests(): Promise<{ context: DynamoDbContext; stop: () => Promise<void> }> {
  const dynamodb = await startDynamoDbLocal({ inMemory: true });
  const tables = localTableNames(`test-${randomUUID().slice(0, 8)}-`);
  const client = createLocalDynamoDbClient(dynamodb.endpoint);
  try {
    await ensureTables(client, [
      { definition: chatTable, name: tables.chat },
      { definition: streamsTable, name: tables.streams },
      { definition: connectionsTable, name: tables.connections },
      { definition: auditTable, name: tables.audit },
    ]);
  } catch (error) {
    await dynamodb.stop();
    throw error;
  } finally {
    client.destroy();
  }
  return { context: { endpoint: dynamodb.endpoint, tables }, stop: dynamodb.stop };
}
