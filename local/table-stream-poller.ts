import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
  type _Record as StreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { type FilterPattern, matchesFilterPattern } from '../shared/realtime/change-subscriptions';

/**
 * The local stand-in for DynamoDB Streams event source mappings: it reads a table's stream in
 * DynamoDB Local (DescribeStream, GetShardIterator, GetRecords), keeps the records each
 * consumer's filter patterns let through — the same patterns CDK gives the mappings — and
 * invokes the consumer's handler with a Lambda DynamoDB stream event, in order, a batch at a
 * time. Like a mapping with ReportBatchItemFailures it retries from the first failed record
 * (a few times, then logs and moves on, where AWS would dead-letter).
 *
 * Shards open when the poller starts are read from LATEST (what happened before it started is
 * not this process's business); shards that appear later are read from TRIM_HORIZON.
 */
export interface StreamConsumer {
  readonly name: string;
  /** A record passes when any pattern matches it (as a mapping's filters). */
  readonly filters: readonly FilterPattern[];
  readonly batchSize: number;
  invoke(event: DynamoDBStreamEvent, context: Context): Promise<DynamoDBBatchResponse | undefined>;
  readonly context: () => Context;
}

export interface TableStreamPollerOptions {
  readonly client: DynamoDBClient;
  readonly streamsClient: DynamoDBStreamsClient;
  readonly tableName: string;
  readonly consumers: readonly StreamConsumer[];
  /** Pause after a read that found nothing. @default 100 */
  readonly pollIntervalMs?: number;
  /** Attempts of a failing batch before its records are given up. @default 3 */
  readonly maxAttempts?: number;
  readonly region: string;
  readonly log?: (message: string) => void;
}

export interface RunningPoller {
  readonly streamArn: string | undefined;
  stop(): Promise<void>;
}

interface ShardState {
  iterator: string | undefined;
  lastSequenceNumber?: string;
}

const RESCAN_SHARDS_MS = 2_000;

/** A stream record in the shape Lambda hands to a function (JSON: times in epoch seconds). */
export function toLambdaRecord(record: StreamRecord, streamArn: string, region: string): DynamoDBRecord {
  const data = record.dynamodb ?? {};
  const created = data.ApproximateCreationDateTime;
  return JSON.parse(
    JSON.stringify({
      eventID: record.eventID,
      eventName: record.eventName,
      eventVersion: record.eventVersion ?? '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: record.awsRegion ?? region,
      dynamodb: {
        ...(created ? { ApproximateCreationDateTime: Math.floor(new Date(created).getTime() / 1000) } : {}),
        Keys: data.Keys,
        NewImage: data.NewImage,
        OldImage: data.OldImage,
        SequenceNumber: data.SequenceNumber,
        SizeBytes: data.SizeBytes,
        StreamViewType: data.StreamViewType,
      },
      ...(record.userIdentity ? { userIdentity: record.userIdentity } : {}),
      eventSourceARN: streamArn,
    }),
  ) as DynamoDBRecord;
}

export async function startTableStreamPoller(options: TableStreamPollerOptions): Promise<RunningPoller> {
  const log = options.log ?? ((message: string) => console.log(message));
  const pollIntervalMs = options.pollIntervalMs ?? 100;
  const maxAttempts = options.maxAttempts ?? 3;
  const { streamsClient } = options;
  const table = await options.client.send(new DescribeTableCommand({ TableName: options.tableName }));
  const streamArn = table.Table?.LatestStreamArn;
  if (!streamArn || options.consumers.length === 0) {
    if (!streamArn) log(`[streams] ${options.tableName} has no stream: nothing to poll`);
    return { streamArn, stop: async () => undefined };
  }

  const shards = new Map<string, ShardState>();
  let stopped = false;

  async function listShards() {
    const found: { id: string; open: boolean }[] = [];
    let start: string | undefined;
    do {
      const { StreamDescription } = await streamsClient.send(
        new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: start }),
      );
      for (const shard of StreamDescription?.Shards ?? []) {
        if (shard.ShardId)
          found.push({ id: shard.ShardId, open: !shard.SequenceNumberRange?.EndingSequenceNumber });
      }
      start = StreamDescription?.LastEvaluatedShardId;
    } while (start);
    return found;
  }

  const iteratorFor = async (shardId: string, from: 'LATEST' | 'TRIM_HORIZON' | { after: string }) => {
    const { ShardIterator } = await streamsClient.send(
      new GetShardIteratorCommand({
        StreamArn: streamArn,
        ShardId: shardId,
        ...(typeof from === 'string'
          ? { ShardIteratorType: from }
          : { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: from.after }),
      }),
    );
    return ShardIterator;
  };

  async function discover(initial: boolean) {
    for (const shard of await listShards()) {
      if (shards.has(shard.id)) continue;
      if (initial && !shard.open) {
        shards.set(shard.id, { iterator: undefined });
        continue;
      }
      shards.set(shard.id, { iterator: await iteratorFor(shard.id, initial ? 'LATEST' : 'TRIM_HORIZON') });
    }
  }

  async function deliver(consumer: StreamConsumer, records: DynamoDBRecord[]) {
    const selected = records.filter((record) =>
      consumer.filters.some((pattern) => matchesFilterPattern(pattern, record)),
    );
    for (let index = 0; index < selected.length; index += consumer.batchSize) {
      let batch = selected.slice(index, index + consumer.batchSize);
      for (let attempt = 1; batch.length > 0; attempt++) {
        let failedFrom: number;
        try {
          const response = await consumer.invoke({ Records: batch }, consumer.context());
          const failures = new Set(
            (response?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier),
          );
          failedFrom = batch.findIndex((record) => failures.has(record.dynamodb?.SequenceNumber ?? ''));
        } catch (error) {
          log(`[streams] ${consumer.name} failed: ${(error as Error)?.name}`);
          failedFrom = 0;
        }
        if (failedFrom < 0) break;
        if (attempt >= maxAttempts) {
          log(
            `[streams] ${consumer.name}: ${batch.length - failedFrom} record(s) given up after ${attempt} attempts`,
          );
          break;
        }
        // As a mapping with ReportBatchItemFailures: again from the first failed record.
        batch = batch.slice(failedFrom);
      }
    }
  }

  async function pollShard(shardId: string, state: ShardState): Promise<number> {
    if (!state.iterator) return 0;
    let result: GetRecordsCommandOutput;
    try {
      result = await streamsClient.send(new GetRecordsCommand({ ShardIterator: state.iterator, Limit: 100 }));
    } catch (error) {
      const name = (error as Error)?.name;
      if (name === 'ExpiredIteratorException' || name === 'TrimmedDataAccessException') {
        state.iterator = await iteratorFor(
          shardId,
          state.lastSequenceNumber ? { after: state.lastSequenceNumber } : 'TRIM_HORIZON',
        );
        return 0;
      }
      throw error;
    }
    state.iterator = result.NextShardIterator;
    const records = (result.Records ?? []).map((record: StreamRecord) =>
      toLambdaRecord(record, streamArn as string, options.region),
    );
    const last = records.at(-1)?.dynamodb?.SequenceNumber;
    if (last) state.lastSequenceNumber = last;
    if (records.length > 0)
      await Promise.all(options.consumers.map((consumer) => deliver(consumer, records)));
    return records.length;
  }

  await discover(true);
  const loop = (async () => {
    let lastScan = Date.now();
    while (!stopped) {
      let read = 0;
      try {
        if (Date.now() - lastScan > RESCAN_SHARDS_MS) {
          lastScan = Date.now();
          await discover(false);
        }
        const counts = await Promise.all([...shards].map(([id, state]) => pollShard(id, state)));
        read = counts.reduce((sum, count) => sum + count, 0);
      } catch (error) {
        if (stopped) break;
        log(
          `[streams] reading ${options.tableName} failed: ${(error as Error)?.name}: ${(error as Error)?.message}`,
        );
      }
      if (read === 0 && !stopped) await new Promise((resolve) => setTimeout(resolve, pollIntervalMs));
    }
  })();

  return {
    streamArn,
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

export function createStreamsClient(endpoint: string, region: string): DynamoDBStreamsClient {
  return new DynamoDBStreamsClient({
    endpoint,
    region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}
