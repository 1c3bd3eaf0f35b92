import { Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import {
  type AttributeType,
  type KeyAttribute,
  type TableDefinition,
  tableDefinitions,
} from '../../shared/data/table-definitions';
import type { DeployConfig } from '../deploy-config';

/** The key a table is exposed under: the env var that carries its name to the handlers. */
export type TableKey = TableDefinition['envVar'];

export interface DataProps {
  readonly config: DeployConfig;
}

const attributeTypes: Record<AttributeType, dynamodb.AttributeType> = {
  S: dynamodb.AttributeType.STRING,
  N: dynamodb.AttributeType.NUMBER,
};

const toAttribute = (key: KeyAttribute): dynamodb.Attribute => ({
  name: key.name,
  type: attributeTypes[key.type],
});

/**
 * One DynamoDB table per entry of `tableDefinitions` (shared/data/table-definitions.ts), the
 * same list the local runtime creates in DynamoDB Local: keys, GSIs, TTL and streams are never
 * restated here.
 *
 * `dynamodb.Table` (AWS::DynamoDB::Table), not `TableV2` (AWS::DynamoDB::GlobalTable): the
 * app is single-region, and cdk-nag's DynamoDB rules (PITR, backup plan, auto scaling) only
 * inspect AWS::DynamoDB::Table, so with TableV2 they would pass without checking anything.
 *
 * Encryption: AWS-managed KMS key (aws/dynamodb). No cdk-nag pack asks for a customer-managed
 * key on DynamoDB; the AWS-managed key encrypts at rest, logs use in CloudTrail and needs no
 * key policy of ours (a CMK would add a key policy every grant has to widen).
 */
export class Data extends Construct {
  /** The tables by the env var that names them to handlers: `tables.CHAT_TABLE_NAME`, ... */
  readonly tables: Readonly<Record<TableKey, dynamodb.Table>>;

  constructor(scope: Construct, id: string, props: DataProps) {
    super(scope, id);
    const tables: Partial<Record<TableKey, dynamodb.Table>> = {};
    for (const definition of tableDefinitions) {
      tables[definition.envVar] = this.createTable(definition, props.config);
    }
    this.tables = {
      CHAT_TABLE_NAME: Data.required(tables, 'CHAT_TABLE_NAME'),
      STREAMS_TABLE_NAME: Data.required(tables, 'STREAMS_TABLE_NAME'),
      CONNECTIONS_TABLE_NAME: Data.required(tables, 'CONNECTIONS_TABLE_NAME'),
      AUDIT_TABLE_NAME: Data.required(tables, 'AUDIT_TABLE_NAME'),
    };
  }

  /** The table a definition describes (e.g. `data.tableFor(chatTable)`). */
  tableFor(definition: TableDefinition): dynamodb.Table {
    return this.tables[definition.envVar];
  }

  private static required(tables: Partial<Record<TableKey, dynamodb.Table>>, key: TableKey): dynamodb.Table {
    const table = tables[key];
    if (!table) throw new Error(`tableDefinitions has no table for ${key}; every TableKey needs one`);
    return table;
  }

  private createTable(definition: TableDefinition, config: DeployConfig): dynamodb.Table {
    // The construct id is the definition's constructId: renaming it would make CloudFormation
    // replace the table (and lose its data).
    const table = new dynamodb.Table(this, definition.constructId, {
      partitionKey: toAttribute(definition.partitionKey),
      ...(definition.sortKey ? { sortKey: toAttribute(definition.sortKey) } : {}),
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: definition.timeToLiveAttribute,
      ...(definition.stream ? { stream: dynamodb.StreamViewType[definition.stream] } : {}),
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      deletionProtection: config.deletionProtection,
      removalPolicy: config.removalPolicy,
    });
    for (const index of definition.globalSecondaryIndexes) {
      table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: toAttribute(index.partitionKey),
        ...(index.sortKey ? { sortKey: toAttribute(index.sortKey) } : {}),
        projectionType: dynamodb.ProjectionType.ALL,
      });
    }
    Validations.of(table).acknowledge({
      id: 'HIPAA.Security-DynamoDBInBackupPlan',
      reason:
        'Point-in-time recovery is on (continuous backups, restore to any second of the last 35 days). ' +
        'An AWS Backup plan for longer retention or cross-account copies is an operator decision with its own cost; ' +
        'add it with the monitoring/ops construct if the compliance programme requires it.',
    });
    return table;
  }
}
