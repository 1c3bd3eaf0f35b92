/**
 * Creates the tables of shared/data/table-definitions.ts in DynamoDB Local (or any DynamoDB the
 * local mode points at), so local runs and tests use the keys and indexes CDK deploys.
 * Existing tables are used as they are: several gateway processes and test runs share one
 * DynamoDB, and whichever comes first creates the tables.
 */
import {
  type AttributeDefinition,
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  type KeySchemaElement,
  ResourceInUseException,
  ResourceNotFoundException,
  type TableDescription,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import {
  auditTable,
  chatTable,
  connectionsTable,
  type KeyAttribute,
  streamsTable,
  type TableDefinition,
} from '../shared/data/table-definitions';

export interface LocalTable {
  definition: TableDefinition;
  /** The table's name in this DynamoDB. */
  name: string;
}

const TABLE_ACTIVE_TIMEOUT_SECONDS = 60;

/** Table names for the local mode; tests pass a prefix (prepended as is) to isolate their runs. */
export function localTableNames(prefix = ''): {
  chat: string;
  streams: string;
  connections: string;
  audit: string;
} {
  return {
    chat: `${prefix}${chatTable.localName}`,
    streams: `${prefix}${streamsTable.localName}`,
    connections: `${prefix}${connectionsTable.localName}`,
    audit: `${prefix}${auditTable.localName}`,
  };
}

/** Creates each missing table, waits until it is ACTIVE and makes sure TTL is on. Safe to run concurrently. */
export async function ensureTables(client: DynamoDBClient, tables: readonly LocalTable[]): Promise<void> {
  await Promise.all(tables.map((table) => ensureTable(client, table)));
}

async function ensureTable(client: DynamoDBClient, { definition, name }: LocalTable): Promise<void> {
  const existing = await describeTable(client, name);
  if (existing) assertMatchesDefinition(existing, definition, name);
  else await createTable(client, definition, name);
  if (existing && definition.stream && !existing.StreamSpecification?.StreamEnabled) {
    // A table kept from before its definition gained a stream (a `.data` folder): turn it on.
    await client.send(
      new UpdateTableCommand({
        TableName: name,
        StreamSpecification: { StreamEnabled: true, StreamViewType: definition.stream },
      }),
    );
  }
  await waitUntilTableExists(
    { client, maxWaitTime: TABLE_ACTIVE_TIMEOUT_SECONDS, minDelay: 1, maxDelay: 2 },
    { TableName: name },
  );
  await ensureTimeToLive(client, name, definition.timeToLiveAttribute);
}

async function describeTable(client: DynamoDBClient, name: string): Promise<TableDescription | undefined> {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: name }))).Table;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}

async function createTable(client: DynamoDBClient, definition: TableDefinition, name: string): Promise<void> {
  try {
    await client.send(new CreateTableCommand(createTableInput(definition, name)));
  } catch (error) {
    // Another process created it between our DescribeTable and CreateTable: use theirs.
    if (!(error instanceof ResourceInUseException)) throw error;
  }
}

function createTableInput(definition: TableDefinition, name: string): CreateTableCommandInput {
  const indexes = definition.globalSecondaryIndexes;
  return {
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST',
    KeySchema: keySchema(definition.partitionKey, definition.sortKey),
    AttributeDefinitions: attributeDefinitions([
      definition.partitionKey,
      definition.sortKey,
      ...indexes.flatMap((index) => [index.partitionKey, index.sortKey]),
    ]),
    // DynamoDB rejects an empty list: omit it when the table has no index.
    GlobalSecondaryIndexes:
      indexes.length === 0
        ? undefined
        : indexes.map((index) => ({
            IndexName: index.indexName,
            KeySchema: keySchema(index.partitionKey, index.sortKey),
            Projection: { ProjectionType: 'ALL' },
          })),
    StreamSpecification: definition.stream
      ? { StreamEnabled: true, StreamViewType: definition.stream }
      : undefined,
  };
}

function keySchema(partitionKey: KeyAttribute, sortKey: KeyAttribute | undefined): KeySchemaElement[] {
  return [
    { AttributeName: partitionKey.name, KeyType: 'HASH' },
    ...(sortKey ? [{ AttributeName: sortKey.name, KeyType: 'RANGE' as const }] : []),
  ];
}

/** Each key attribute once, however many keys and indexes share it (DynamoDB rejects duplicates). */
function attributeDefinitions(attributes: readonly (KeyAttribute | undefined)[]): AttributeDefinition[] {
  const byName = new Map<string, KeyAttribute>();
  for (const attribute of attributes) {
    if (!attribute) continue;
    const known = byName.get(attribute.name);
    if (known && known.type !== attribute.type) {
      throw new Error(`Attribute ${attribute.name} is declared as both ${known.type} and ${attribute.type}`);
    }
    byName.set(attribute.name, attribute);
  }
  return [...byName.values()].map(({ name, type }) => ({ AttributeName: name, AttributeType: type }));
}

/**
 * A table left over from an older schema (say, in a kept `.data` folder) would fail later in
 * confusing ways; refuse it now, naming the table.
 */
function assertMatchesDefinition(table: TableDescription, definition: TableDefinition, name: string): void {
  const expected = createTableInput(definition, name);
  const describeKeys = (keys: KeySchemaElement[] | undefined) =>
    (keys ?? []).map((key) => `${key.AttributeName}:${key.KeyType}`).join(',');
  const describeIndexes = (indexes: { IndexName?: string; KeySchema?: KeySchemaElement[] }[] | undefined) =>
    (indexes ?? [])
      .map((index) => `${index.IndexName}(${describeKeys(index.KeySchema)})`)
      .sort()
      .join(' ');
  const actualShape = `${describeKeys(table.KeySchema)} ${describeIndexes(table.GlobalSecondaryIndexes)}`;
  const expectedShape = `${describeKeys(expected.KeySchema)} ${describeIndexes(expected.GlobalSecondaryIndexes)}`;
  if (actualShape !== expectedShape) {
    throw new Error(
      `Table ${name} exists with keys/indexes [${actualShape.trim()}] but shared/data/table-definitions.ts wants [${expectedShape.trim()}]: delete the table (or the local data folder) and start again.`,
    );
  }
}

async function ensureTimeToLive(client: DynamoDBClient, name: string, attribute: string): Promise<void> {
  if (await hasTimeToLive(client, name, attribute)) return;
  try {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: name,
        TimeToLiveSpecification: { Enabled: true, AttributeName: attribute },
      }),
    );
  } catch (error) {
    // A concurrent caller enabled it first, and a second enable is an error: accept theirs.
    if (!(await hasTimeToLive(client, name, attribute))) throw error;
  }
}

async function hasTimeToLive(client: DynamoDBClient, name: string, attribute: string): Promise<boolean> {
  const { TimeToLiveDescription: ttl } = await client.send(
    new DescribeTimeToLiveCommand({ TableName: name }),
  );
  const on = ttl?.TimeToLiveStatus === 'ENABLED' || ttl?.TimeToLiveStatus === 'ENABLING';
  if (on && ttl?.AttributeName !== attribute) {
    throw new Error(`Table ${name} has TTL on ${ttl?.AttributeName}, but the definition says ${attribute}`);
  }
  return on;
}
