/**
 * The DynamoDB tables, described once. CDK (infra/constructs/data.ts) and the local runtime
 * (local/dynamodb-tables.ts, which creates them in DynamoDB Local) both read this file, so a
 * key or index exists in both places or in neither. Key layouts are in docs/architecture.md.
 */
export type AttributeType = 'S' | 'N';

export interface KeyAttribute {
  readonly name: string;
  readonly type: AttributeType;
}

export interface GlobalSecondaryIndexDefinition {
  readonly indexName: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  /** Why the index exists: the access pattern it serves. */
  readonly purpose: string;
}

export interface TableDefinition {
  /** Stable CDK construct id: never rename it, CloudFormation would replace the table. */
  readonly constructId: string;
  /** The env var that carries the table's name to the handlers. */
  readonly envVar: 'CHAT_TABLE_NAME' | 'STREAMS_TABLE_NAME' | 'CONNECTIONS_TABLE_NAME' | 'AUDIT_TABLE_NAME';
  /** Table name in DynamoDB Local (on AWS, CloudFormation names it). */
  readonly localName: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  readonly globalSecondaryIndexes: readonly GlobalSecondaryIndexDefinition[];
  /** Epoch-seconds attribute that DynamoDB TTL deletes by (lazily: reads compare time themselves). */
  readonly timeToLiveAttribute: string;
  readonly stream?: 'NEW_AND_OLD_IMAGES' | 'NEW_IMAGE' | 'OLD_IMAGE' | 'KEYS_ONLY';
}

const pk: KeyAttribute = { name: 'pk', type: 'S' };
const sk: KeyAttribute = { name: 'sk', type: 'S' };

/** Rooms, sessions, messages and per-user counters: owner-first keys (`USER#<sub>...`). */
export const chatTable: TableDefinition = {
  constructId: 'ChatTable',
  envVar: 'CHAT_TABLE_NAME',
  localName: 'careguide-chat',
  partitionKey: pk,
  sortKey: sk,
  globalSecondaryIndexes: [
    {
      indexName: 'gsi1',
      partitionKey: { name: 'gsi1pk', type: 'S' },
      sortKey: { name: 'gsi1sk', type: 'S' },
      purpose: "a user's live rooms by last_activity (sparse: only live rooms carry gsi1 keys)",
    },
    {
      indexName: 'gsi2',
      partitionKey: { name: 'gsi2pk', type: 'S' },
      sortKey: { name: 'gsi2sk', type: 'S' },
      purpose: "a user's live rooms by created_at (sparse)",
    },
    {
      indexName: 'gsi3',
      partitionKey: { name: 'gsi3pk', type: 'S' },
      sortKey: { name: 'gsi3sk', type: 'S' },
      purpose: "a user's live rooms by room_name, case-folded (sparse)",
    },
    {
      indexName: 'gsi4',
      partitionKey: { name: 'gsi4pk', type: 'S' },
      sortKey: { name: 'gsi4sk', type: 'S' },
      purpose:
        'rooms waiting for a background job, sharded by room id: soft-deleted rooms by purge time (PURGE#<n>) and live rooms by their next retention review (REVIEW#<n>); sparse',
    },
  ],
  timeToLiveAttribute: 'ttl',
  stream: 'NEW_AND_OLD_IMAGES',
};

/** Streams: records (cancel flag, lease, status), their logs, slots, request records, stop tombstones. */
export const streamsTable: TableDefinition = {
  constructId: 'ActiveStreamsTable',
  envVar: 'STREAMS_TABLE_NAME',
  localName: 'careguide-active-streams',
  partitionKey: pk,
  sortKey: sk,
  globalSecondaryIndexes: [
    {
      indexName: 'gsi1',
      partitionKey: { name: 'gsi1pk', type: 'S' },
      sortKey: { name: 'gsi1sk', type: 'S' },
      purpose:
        'running streams by lease expiry, for the sweep that finishes streams whose process died (sparse: only running streams carry gsi1 keys; sharded RUNNING#<n>)',
    },
  ],
  timeToLiveAttribute: 'ttl',
  // Feeds the WebSocket fan-out's `stream.started` / `stream.ended` events (shared/realtime).
  stream: 'NEW_AND_OLD_IMAGES',
};

/**
 * Open WebSocket connections and the per-user connection slots (owner-first keys, TTL at API
 * Gateway's 2 h connection maximum). A table of its own: connection churn stays out of the
 * chat table's change stream, which the fan-out and the background jobs read.
 */
export const connectionsTable: TableDefinition = {
  constructId: 'ConnectionsTable',
  envVar: 'CONNECTIONS_TABLE_NAME',
  localName: 'careguide-connections',
  partitionKey: pk,
  sortKey: sk,
  globalSecondaryIndexes: [],
  timeToLiveAttribute: 'ttl',
};

/**
 * The audit trail (HIPAA audit controls): one event per request that reads or changes a user's
 * data. Append-only: functions get PutItem (and ConditionCheckItem) on it, never Update or
 * Delete; the listing route may also Query. Owner-first keys (`USER#<sub>` / `EVENT#<at>#<id>`),
 * TTL at the configured retention (6 years by default). No stream: nothing reacts to it.
 */
export const auditTable: TableDefinition = {
  constructId: 'AuditTable',
  envVar: 'AUDIT_TABLE_NAME',
  localName: 'careguide-audit',
  partitionKey: pk,
  sortKey: sk,
  globalSecondaryIndexes: [],
  timeToLiveAttribute: 'ttl',
};

export const tableDefinitions = [chatTable, streamsTable, connectionsTable, auditTable] as const;
