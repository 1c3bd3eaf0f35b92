import type { DynamoDBRecord } from 'aws-lambda';
import { keyPrefixes } from '../data/keys';
import { chatTable, streamsTable, type TableDefinition } from '../data/table-definitions';
import { type ChangeEventName, type ChangeRecord, ownerOf, toChangeRecord } from './change-record';
import { chatChangeFrames } from './chat-change-frames';
import type { EventFrame, UserFrames } from './frames';
import { streamChangeFrames } from './stream-change-frames';

/**
 * Which table changes reach a stream-triggered function, written once: CDK turns each filter
 * into an event source mapping filter (infra/constructs/websocket.ts, maintenance.ts) and the
 * local stream poller (local/table-stream-poller.ts) applies the very same patterns, so a
 * record skipped on AWS is skipped locally too.
 */
export interface ChangeFilter {
  readonly eventNames: readonly ChangeEventName[];
  /** Only items whose sort key starts with this. */
  readonly sortKeyPrefix?: string;
}

export interface TableSubscription {
  readonly table: TableDefinition;
  /** Any one of them lets a record through (event source mappings OR their filters; at most 5). */
  readonly filters: readonly ChangeFilter[];
  /** The frames of one change of this table. */
  readonly frames: (change: ChangeRecord) => EventFrame[];
}

/** The fan-out's sources: what chat-change-frames.ts and stream-change-frames.ts turn into frames, nothing more. */
export const fanOutSubscriptions: readonly TableSubscription[] = [
  {
    table: chatTable,
    filters: [
      { eventNames: ['INSERT', 'MODIFY'], sortKeyPrefix: keyPrefixes.room },
      { eventNames: ['INSERT', 'REMOVE'], sortKeyPrefix: keyPrefixes.session },
      { eventNames: ['INSERT'], sortKeyPrefix: keyPrefixes.message },
      { eventNames: ['INSERT'], sortKeyPrefix: keyPrefixes.historyClearJob },
    ],
    frames: chatChangeFrames,
  },
  {
    table: streamsTable,
    filters: [
      { eventNames: ['INSERT'], sortKeyPrefix: keyPrefixes.stream },
      { eventNames: ['MODIFY'], sortKeyPrefix: keyPrefixes.chatRequest },
    ],
    frames: streamChangeFrames,
  },
];

/** A Lambda event filter pattern (the subset used here: exact values and `prefix`). */
export type FilterPattern = { readonly [key: string]: FilterPattern | readonly FilterValue[] };
type FilterValue = string | { readonly prefix: string };

/** The event source mapping filter pattern of one filter on `table`'s stream. */
export function filterPatternOf(table: TableDefinition, filter: ChangeFilter): FilterPattern {
  const pattern: Record<string, FilterPattern | readonly FilterValue[]> = {
    eventName: [...filter.eventNames],
  };
  if (filter.sortKeyPrefix !== undefined) {
    const sortKey = table.sortKey;
    if (!sortKey) throw new Error(`${table.constructId} has no sort key to filter on`);
    pattern.dynamodb = { Keys: { [sortKey.name]: { [sortKey.type]: [{ prefix: filter.sortKeyPrefix }] } } };
  }
  return pattern;
}

/** Lambda's matching of a filter pattern against a record, for the patterns `filterPatternOf` makes. */
export function matchesFilterPattern(
  pattern: FilterPattern | readonly FilterValue[],
  value: unknown,
): boolean {
  if (Array.isArray(pattern)) {
    return (pattern as readonly FilterValue[]).some((rule) =>
      typeof rule === 'string' ? value === rule : typeof value === 'string' && value.startsWith(rule.prefix),
    );
  }
  if (typeof value !== 'object' || value === null) return false;
  return Object.entries(pattern).every(([key, inner]) =>
    matchesFilterPattern(inner, (value as Record<string, unknown>)[key]),
  );
}

/**
 * The frames of one stream record and whose they are; `undefined` when it concerns nobody. The
 * sort-key prefixes of the two tables never overlap, so the record's keys pick its mapper.
 */
export function framesOfRecord(record: DynamoDBRecord): UserFrames | undefined {
  const change = toChangeRecord(record);
  if (!change) return undefined;
  const userId = ownerOf(change.pk);
  if (!userId) return undefined;
  for (const subscription of fanOutSubscriptions) {
    const accepted = subscription.filters.some((filter) =>
      matchesFilterPattern(filterPatternOf(subscription.table, filter), record),
    );
    if (accepted) {
      const frames = subscription.frames(change);
      return frames.length > 0 ? { userId, frames } : undefined;
    }
  }
  return undefined;
}
