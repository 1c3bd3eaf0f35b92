import { randomUUID } from 'node:crypto';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  GetItemCommand,
  type KeySchemaElement,
  PutItemCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createLocalDynamoDbClient } from '../../../local/dynamodb-local';
import { ensureTables, type LocalTable, localTableNames } from '../../../local/dynamodb-tables';
import {
  auditTable,
  chatTable,
  connectionsTable,
  streamsTable,
  type TableDefinition,
  tableDefinitions,
} from '../../../shared/data/table-definitions';

const dynamodb = inject('dynamodb');
const client = createLocalDynamoDbClient(dynamodb.endpoint);
afterAll(() => client.destroy());

const runTables: LocalTable[] = [
  { definition: chatTable, name: dynamodb.tables.chat },
  { definition: streamsTable, name: dynamodb.tables.streams },
  { definition: connectionsTable, name: dynamodb.tables.connections },
  { definition: auditTable, name: dynamodb.tables.audit },
];

/** Fresh names for tests that need tables nobody has created yet. */
const freshTables = (): LocalTable[] => {
  const names = localTableNames(`ensure-${randomUUID().slice(0, 8)}-`);
  return [
    { definition: chatTable, name: names.chat },
    { definition: streamsTable, name: names.streams },
    { definition: connectionsTable, name: names.connections },
  ];
};

/** Reads a live table back into the shape of a definition, so it can be compared with one. */
async function describeAsDefinition(ddb: DynamoDBClient, name: string) {
  const { Table: table } = await ddb.send(new DescribeTableCommand({ TableName: name }));
  const { TimeToLiveDescription: ttl } = await ddb.send(new DescribeTimeToLiveCommand({ TableName: name }));
  const types = new Map(table?.AttributeDefinitions?.map((a) => [a.AttributeName, a.AttributeType]));
  const keyOf = (keys: KeySchemaElement[] | undefined, keyType: 'HASH' | 'RANGE') => {
    const key = keys?.find((k) => k.KeyType === keyType);
    return key ? { name: key.AttributeName, type: types.get(key.AttributeName) } : undefined;
  };
  return {
    status: table?.TableStatus,
    billingMode: table?.BillingModeSummary?.BillingMode,
    attributeNames: table?.AttributeDefinitions?.map((a) => a.AttributeName).sort(),
    partitionKey: keyOf(table?.KeySchema, 'HASH'),
    sortKey: keyOf(table?.KeySchema, 'RANGE'),
    globalSecondaryIndexes: (table?.GlobalSecondaryIndexes ?? [])
      .map((index) => ({
        indexName: index.IndexName,
        partitionKey: keyOf(index.KeySchema, 'HASH'),
        sortKey: keyOf(index.KeySchema, 'RANGE'),
        projection: index.Projection?.ProjectionType,
      }))
      .sort((a, b) => String(a.indexName).localeCompare(String(b.indexName))),
    stream: table?.StreamSpecification?.StreamEnabled ? table.StreamSpecification.StreamViewType : undefined,
    timeToLive: { status: ttl?.TimeToLiveStatus, attribute: ttl?.AttributeName },
  };
}

function expectedShape(definition: TableDefinition) {
  const keyAttributes = [
    definition.partitionKey,
    definition.sortKey,
    ...definition.globalSecondaryIndexes.flatMap((index) => [index.partitionKey, index.sortKey]),
  ].flatMap((attribute) => (attribute ? [attribute.name] : []));
  return {
    status: 'ACTIVE',
    billingMode: 'PAY_PER_REQUEST',
    attributeNames: [...new Set(keyAttributes)].sort(),
    partitionKey: definition.partitionKey,
    sortKey: definition.sortKey,
    globalSecondaryIndexes: definition.globalSecondaryIndexes
      .map((index) => ({
        indexName: index.indexName,
        partitionKey: index.partitionKey,
        sortKey: index.sortKey,
        projection: 'ALL',
      }))
      .sort((a, b) => a.indexName.localeCompare(b.indexName)),
    stream: definition.stream,
    timeToLive: { status: 'ENABLED', attribute: definition.timeToLiveAttribute },
  };
}

const itemKey = (id: string) => ({ pk: { S: `TEST#${id}` }, sk: { S: 'ITEM' } });

async function putMarker(ddb: DynamoDBClient, table: string): Promise<string> {
  const id = randomUUID();
  await ddb.send(new PutItemCommand({ TableName: table, Item: { ...itemKey(id), note: { S: 'kept' } } }));
  return id;
}

async function readMarker(ddb: DynamoDBClient, table: string, id: string) {
  return (await ddb.send(new GetItemCommand({ TableName: table, Key: itemKey(id), ConsistentRead: true })))
    .Item;
}

describe('the tables the global setup created', () => {
  it.each(runTables.map((table) => [table.definition.localName, table] as const))(
    '%s has the keys, indexes, stream and TTL of its definition',
    async (_, { definition, name }) => {
      // Act
      const actual = await describeAsDefinition(client, name);

      // Assess
      expect(actual).toEqual(expectedShape(definition));
    },
  );

  it('covers every table definition, each under its own name', () => {
    // Assess
    expect(runTables.map((table) => table.definition)).toEqual([...tableDefinitions]);
    expect(dynamodb.tables).toEqual({
      chat: expect.stringMatching(/careguide-chat$/),
      streams: expect.stringMatching(/careguide-active-streams$/),
      connections: expect.stringMatching(/careguide-connections$/),
      audit: expect.stringMatching(/careguide-audit$/),
    });
    expect(dynamodb.tables.chat).not.toBe(chatTable.localName);
  });

  it('streams new and old images of the chat and streams tables (the streams table with its running-streams index), and nothing of the connections table', async () => {
    // Act
    const chat = await describeAsDefinition(client, dynamodb.tables.chat);
    const streams = await describeAsDefinition(client, dynamodb.tables.streams);
    const connections = await describeAsDefinition(client, dynamodb.tables.connections);

    // Assess
    expect(chat.stream).toBe('NEW_AND_OLD_IMAGES');
    expect(chat.globalSecondaryIndexes.map((index) => index.indexName)).toEqual([
      'gsi1',
      'gsi2',
      'gsi3',
      'gsi4',
    ]);
    expect(streams.stream).toBe('NEW_AND_OLD_IMAGES');
    expect(streams.globalSecondaryIndexes.map((index) => index.indexName)).toEqual(['gsi1']);
    expect(connections.stream).toBeUndefined();
  });
});

describe('ensureTables', () => {
  it('is harmless on existing tables: their items stay', async () => {
    // Prepare
    const ids = await Promise.all(runTables.map((table) => putMarker(client, table.name)));

    // Act
    await ensureTables(client, runTables);
    await ensureTables(client, runTables);

    // Assess
    for (const [index, table] of runTables.entries()) {
      expect(await readMarker(client, table.name, ids[index] as string)).toMatchObject({
        note: { S: 'kept' },
      });
      expect(await describeAsDefinition(client, table.name)).toEqual(expectedShape(table.definition));
    }
  });

  it('creates missing tables once when two processes race to create them', async () => {
    // Prepare: two clients, as two gateway processes sharing one DynamoDB would have
    const tables = freshTables();
    const otherClient = createLocalDynamoDbClient(dynamodb.endpoint);

    // Act
    try {
      await Promise.all([ensureTables(client, tables), ensureTables(otherClient, tables)]);
    } finally {
      otherClient.destroy();
    }

    // Assess
    for (const table of tables) {
      expect(await describeAsDefinition(client, table.name)).toEqual(expectedShape(table.definition));
    }
  });

  it('accepts a table another process created between its check and its create', async () => {
    // Prepare: the other process has created the tables, but this one's first look finds none
    const tables = freshTables();
    await ensureTables(client, tables);
    const lateClient = createLocalDynamoDbClient(dynamodb.endpoint);
    const staleLooks = new Set(tables.map((table) => table.name));
    lateClient.middlewareStack.add(
      (next, context) => async (args) => {
        const tableName = (args.input as { TableName?: string }).TableName ?? '';
        if (context.commandName === 'DescribeTableCommand' && staleLooks.delete(tableName)) {
          throw new ResourceNotFoundException({
            message: `Table ${tableName} not found (stale)`,
            $metadata: {},
          });
        }
        return next(args);
      },
      { step: 'initialize' },
    );

    // Act
    const result = ensureTables(lateClient, tables).finally(() => lateClient.destroy());

    // Assess
    await expect(result).resolves.toBeUndefined();
    expect(staleLooks.size).toBe(0);
  });

  it('uses tables created meanwhile as they are, items included', async () => {
    // Prepare
    const tables = freshTables();
    await ensureTables(client, tables);
    const ids = await Promise.all(tables.map((table) => putMarker(client, table.name)));

    // Act: again, and twice at once
    await Promise.all([ensureTables(client, tables), ensureTables(client, tables)]);

    // Assess
    for (const [index, table] of tables.entries()) {
      expect(await readMarker(client, table.name, ids[index] as string)).toMatchObject({
        note: { S: 'kept' },
      });
    }
  });

  it('refuses an existing table whose keys differ from the definition, naming it', async () => {
    // Prepare: a table left over from another schema (only a partition key, no indexes)
    // (see also the stream test below: a missing stream is the one difference ensureTables repairs)
    const [chat] = freshTables() as [LocalTable, LocalTable];
    await client.send(
      new CreateTableCommand({
        TableName: chat.name,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      }),
    );

    // Act
    const result = ensureTables(client, [chat]);

    // Assess
    await expect(result).rejects.toThrow(new RegExp(`Table ${chat.name} exists with keys/indexes`));
  });

  it('turns on the stream of a kept table created before its definition had one', async () => {
    // Prepare: the streams table as an older version made it (same keys and index, no stream)
    const [, streams] = freshTables() as [LocalTable, LocalTable, LocalTable];
    await client.send(
      new CreateTableCommand({
        TableName: streams.name,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
          { AttributeName: 'gsi1pk', AttributeType: 'S' },
          { AttributeName: 'gsi1sk', AttributeType: 'S' },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: 'gsi1',
            KeySchema: [
              { AttributeName: 'gsi1pk', KeyType: 'HASH' },
              { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      }),
    );

    // Act
    await ensureTables(client, [streams]);

    // Assess
    expect((await describeAsDefinition(client, streams.name)).stream).toBe('NEW_AND_OLD_IMAGES');
  });
});
