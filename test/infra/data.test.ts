import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { type KeyAttribute, tableDefinitions } from '../../shared/data/table-definitions';
import { logicalIdOf, resourceOf, synthStack } from './synth';

const dev = synthStack({ stage: 'dev' });
const prod = synthStack({ stage: 'prod', corsAllowedOrigins: 'https://app.example.com' });

const keySchema = (partitionKey: KeyAttribute, sortKey?: KeyAttribute) => [
  { AttributeName: partitionKey.name, KeyType: 'HASH' },
  ...(sortKey ? [{ AttributeName: sortKey.name, KeyType: 'RANGE' }] : []),
];

const attributeDefinition = (key: KeyAttribute) => ({ AttributeName: key.name, AttributeType: key.type });

describe.each(tableDefinitions)('the $constructId table', (definition) => {
  const tableOf = (synthesized: typeof dev) => {
    const table = synthesized.stack.data.tableFor(definition);
    return resourceOf(synthesized.template, logicalIdOf(table));
  };

  it('keeps its stable construct id, so CloudFormation never replaces it', () => {
    // Prepare / Act
    const table = dev.stack.data.tableFor(definition);

    // Assess
    expect(table.node.id).toBe(definition.constructId);
    expect(dev.stack.data.tables[definition.envVar]).toBe(table);
  });

  it('has the key schema, attribute types and GSIs of its definition', () => {
    const properties = tableOf(dev).Properties ?? {};

    expect(properties.KeySchema).toEqual(keySchema(definition.partitionKey, definition.sortKey));
    const expectedAttributes = [
      definition.partitionKey,
      ...(definition.sortKey ? [definition.sortKey] : []),
      ...definition.globalSecondaryIndexes.flatMap((index) => [
        index.partitionKey,
        ...(index.sortKey ? [index.sortKey] : []),
      ]),
    ].map(attributeDefinition);
    expect(properties.AttributeDefinitions).toEqual(expect.arrayContaining(expectedAttributes));
    expect(properties.AttributeDefinitions).toHaveLength(
      new Set(expectedAttributes.map((a) => a.AttributeName)).size,
    );

    const expectedIndexes = definition.globalSecondaryIndexes.map((index) => ({
      IndexName: index.indexName,
      KeySchema: keySchema(index.partitionKey, index.sortKey),
      Projection: { ProjectionType: 'ALL' },
    }));
    expect(properties.GlobalSecondaryIndexes ?? []).toEqual(expectedIndexes);
  });

  it('is on-demand, with TTL, point-in-time recovery and encryption at rest', () => {
    const properties = tableOf(dev).Properties ?? {};

    expect(properties.BillingMode).toBe('PAY_PER_REQUEST');
    expect(properties.TimeToLiveSpecification).toEqual({
      AttributeName: definition.timeToLiveAttribute,
      Enabled: true,
    });
    expect(properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(properties.SSESpecification).toEqual({ SSEEnabled: true });
  });

  it('has a stream exactly when its definition asks for one', () => {
    const properties = tableOf(dev).Properties ?? {};

    if (definition.stream) {
      expect(properties.StreamSpecification).toEqual({ StreamViewType: definition.stream });
    } else {
      expect(properties.StreamSpecification).toBeUndefined();
    }
  });

  it('is deletion-protected and retained outside dev', () => {
    const table = tableOf(prod);

    expect(table.Properties?.DeletionProtectionEnabled).toBe(true);
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.UpdateReplacePolicy).toBe('Retain');
  });

  it('can be deleted with the stack in dev', () => {
    const table = tableOf(dev);

    expect(table.Properties?.DeletionProtectionEnabled).toBe(false);
    expect(table.DeletionPolicy).toBe('Delete');
  });
});

describe('the data construct', () => {
  it('creates one table per table definition and no other', () => {
    dev.template.resourceCountIs('AWS::DynamoDB::Table', tableDefinitions.length);
    dev.template.resourceCountIs('AWS::DynamoDB::GlobalTable', 0);
  });

  it('honours an explicit deletionProtection=false outside dev', () => {
    const { template } = synthStack({
      stage: 'staging',
      corsAllowedOrigins: 'https://app.example.com',
      deletionProtection: 'false',
    });

    template.allResourcesProperties('AWS::DynamoDB::Table', { DeletionProtectionEnabled: false });
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain', Properties: Match.anyValue() });
  });
});
