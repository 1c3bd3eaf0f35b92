import { keyPrefixes } from '../shared/data/keys';
import type { accessTables, FunctionAccess } from './constructs/function-access';

/** The change events of a table stream a job can ask for. */
export type StreamEventName = 'INSERT' | 'MODIFY' | 'REMOVE';

export type MaintenanceTrigger =
  | {
      /** Run on a schedule (EventBridge, asynchronous: retried, then dead-lettered). */
      readonly kind: 'schedule';
      /** An EventBridge schedule expression: `rate(1 hour)`, `cron(0 3 * * ? *)`. */
      readonly expression: string;
    }
  | {
      /** Run on a table's change stream (DynamoDB Streams event source mapping). */
      readonly kind: 'table-stream';
      readonly table: keyof typeof accessTables;
      /** Only these change events reach the function (an event filter: others cost nothing). */
      readonly eventNames: readonly StreamEventName[];
      /** Only items whose sort key starts with this reach the function. */
      readonly sortKeyPrefix?: string;
      /** Records per invocation. @default 10 */
      readonly batchSize?: number;
    };

/**
 * A background job: what the route table is to requests. CDK deploys each job
 * (`Maintenance` construct) with its trigger, retries and dead-letter queue,
 * grants exactly `access`, and the monitoring construct alarms on its failures.
 */
export interface MaintenanceJob {
  /** Stable, unique, camelCase: the construct id's stem. */
  readonly id: string;
  readonly summary: string;
  readonly handler: { readonly entry: string; readonly export: 'handler' };
  readonly trigger: MaintenanceTrigger;
  readonly access: FunctionAccess;
  /** The function's timeout; a schedule-driven job should stop early with time to spare. */
  readonly timeoutSeconds: number;
}

/**
 * The jobs DESIGN §4/§6 call for, triggered as the rooms/sessions code is built to be:
 * - soft-deleted rooms carry `purge_after` and sit in the sparse, sharded purge index (gsi4), which
 *   a periodic job walks (shared/domain/rooms/purge-deleted-rooms.ts: time-budgeted, resumable);
 * - "clear history" writes a `HISTORY_CLEAR#` job item that the chat table's stream hands to
 *   the deleting job (shared/domain/rooms/delete-cleared-history.ts: idempotent, at-least-once);
 * - running streams carry the sparse, sharded running-streams index keys (streams table gsi1),
 *   which the recovery sweep queries for lapsed leases (shared/domain/chat/recover-stream.ts).
 */
export const maintenanceJobs: readonly MaintenanceJob[] = [
  {
    id: 'purgeDeletedRooms',
    summary: 'Purges rooms soft-deleted more than 30 days ago, with their messages.',
    handler: { entry: 'functions/maintenance/purge-deleted-rooms.ts', export: 'handler' },
    trigger: { kind: 'schedule', expression: 'rate(1 hour)' },
    access: { chatTable: 'RW' },
    timeoutSeconds: 300,
  },
  {
    id: 'deleteClearedHistory',
    summary: 'Physically deletes the messages a clear-history request hid.',
    handler: { entry: 'functions/maintenance/delete-cleared-history.ts', export: 'handler' },
    trigger: {
      kind: 'table-stream',
      table: 'chatTable',
      eventNames: ['INSERT'],
      sortKeyPrefix: keyPrefixes.historyClearJob,
    },
    access: { chatTable: 'RW' },
    timeoutSeconds: 300,
  },
  {
    id: 'recoverLapsedStreams',
    summary:
      'Finishes streams whose process died (lease lapsed, no end) from their log: answer stored as interrupted, slot freed.',
    handler: { entry: 'functions/maintenance/recover-lapsed-streams.ts', export: 'handler' },
    // Within minutes of a crash even when nobody reads the room; a Query per shard of the sparse
    // running-streams index (no Scan), usually empty.
    trigger: { kind: 'schedule', expression: 'rate(2 minutes)' },
    access: { chatTable: 'RW', streamsTable: 'RW' },
    timeoutSeconds: 120,
  },
  {
    id: 'applyRetention',
    summary: "Deletes live rooms inactive longer than their owner's retention (or the default).",
    handler: { entry: 'functions/maintenance/apply-retention.ts', export: 'handler' },
    trigger: { kind: 'schedule', expression: 'rate(1 hour)' },
    // Streams: a room it deletes has its live streams stopped first; audit: the deletion is recorded.
    access: { chatTable: 'RW', streamsTable: 'RW', auditTable: 'APPEND' },
    timeoutSeconds: 300,
  },
  {
    id: 'deleteAccountData',
    summary: 'Physically deletes what an account deletion hid, then records it in the audit trail.',
    handler: { entry: 'functions/maintenance/delete-account-data.ts', export: 'handler' },
    trigger: {
      kind: 'table-stream',
      table: 'chatTable',
      eventNames: ['INSERT'],
      sortKeyPrefix: keyPrefixes.accountDeletionJob,
      // One account per invocation: each may hold thousands of items.
      batchSize: 1,
    },
    // Connections: the user's WebSocket connection items go too (shared/wiring/account.ts).
    access: { chatTable: 'RW', streamsTable: 'RW', connectionsTable: 'RW', auditTable: 'APPEND' },
    timeoutSeconds: 900,
  },
];
