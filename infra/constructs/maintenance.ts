import { existsSync } from 'node:fs';
import { Duration, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { filterPatternOf } from '../../shared/realtime/change-subscriptions';
import type { DeployConfig } from '../deploy-config';
import { type MaintenanceJob, maintenanceJobs } from '../maintenance-jobs';
import { fromRepoRoot } from '../paths';
import { ApiFunction } from './api-function';
import type { Auth } from './auth';
import type { Data } from './data';
import { accessTables, bindAccess, constructIdOf } from './function-access';

/** Retries of a failing stream batch before its records go to the dead-letter queue. */
const STREAM_RETRY_ATTEMPTS = 5;
/**
 * A stream record older than this is not retried again but dead-lettered: well inside the
 * stream's 24 h retention, so an operator can still read the records the DLQ message points at.
 */
const STREAM_MAX_RECORD_AGE = Duration.hours(6);
/** Schedule deliveries: EventBridge retries reaching Lambda this often, for at most this long. */
const SCHEDULE_RETRY_ATTEMPTS = 3;
const SCHEDULE_MAX_EVENT_AGE = Duration.hours(1);

export interface MaintenanceProps {
  readonly config: DeployConfig;
  readonly data: Data;
  readonly auth: Auth;
  /** @default `maintenanceJobs` (infra/maintenance-jobs.ts) */
  readonly jobs?: readonly MaintenanceJob[];
}

/** One deployed job: its function, its dead-letter queue and what triggers it. */
export interface DeployedJob {
  readonly job: MaintenanceJob;
  readonly function: ApiFunction;
  /** Where failures end up: stream batches that keep failing, schedule events that could not run. */
  readonly deadLetterQueue: sqs.Queue;
  readonly rule?: events.Rule;
  readonly eventSourceMapping?: lambda.EventSourceMapping;
}

/**
 * Background work (DESIGN §4, §6): each job of `maintenanceJobs` gets a function with exactly its
 * declared access, its trigger (a schedule or a filtered table stream), retries, and a
 * dead-letter queue the monitoring construct alarms on. A job whose handler module does not
 * exist fails the synth.
 */
export class Maintenance extends Construct {
  /** By job id. */
  readonly jobs: ReadonlyMap<string, DeployedJob>;

  constructor(scope: Construct, id: string, props: MaintenanceProps) {
    super(scope, id);
    const { config, data, auth } = props;

    const deployed = new Map<string, DeployedJob>();
    for (const job of props.jobs ?? maintenanceJobs) {
      // A job is deployed whole or the synth fails: never silently left out.
      if (!existsSync(fromRepoRoot(job.handler.entry))) {
        throw new Error(`Maintenance job ${job.id}: its handler ${job.handler.entry} does not exist.`);
      }
      const stem = constructIdOf(job.id);
      const deadLetterQueue = new sqs.Queue(this, `${stem}DeadLetterQueue`, {
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
      });
      const reason =
        `The dead-letter queue of maintenance job ${job.id}: the end of its failure path, so it has no DLQ or ` +
        'redrive policy of its own; messages are kept 14 days and the monitoring construct alarms on the first one.';
      Validations.of(deadLetterQueue).acknowledge(
        { id: 'AwsSolutions-SQS3', reason },
        { id: 'Serverless-SQSRedrivePolicy', reason },
      );

      const isSchedule = job.trigger.kind === 'schedule';
      const fn = new ApiFunction(this, `${stem}Function`, {
        entry: job.handler.entry,
        handlerExport: job.handler.export,
        description: `Maintenance: ${job.summary}`.slice(0, 256),
        config,
        userPool: auth.userPool,
        userPoolClient: auth.userPoolClient,
        timeout: Duration.seconds(job.timeoutSeconds),
        invocation: isSchedule ? 'schedule' : 'event-source',
        ...(isSchedule ? { failureQueue: deadLetterQueue } : {}),
      });
      bindAccess(fn, job.access, data);

      if (job.trigger.kind === 'schedule') {
        const rule = new events.Rule(this, `${stem}Schedule`, {
          description: `Runs maintenance job ${job.id}`,
          schedule: events.Schedule.expression(job.trigger.expression),
          targets: [
            new targets.LambdaFunction(fn.function, {
              deadLetterQueue,
              retryAttempts: SCHEDULE_RETRY_ATTEMPTS,
              maxEventAge: SCHEDULE_MAX_EVENT_AGE,
            }),
          ],
        });
        deployed.set(job.id, { job, function: fn, deadLetterQueue, rule });
        continue;
      }

      const trigger = job.trigger;
      const definition = accessTables[trigger.table];
      const table = data.tableFor(definition);
      fn.bindTableStream(table);
      // The same pattern the local stream poller applies (local/table-stream-consumers.ts).
      const pattern = filterPatternOf(definition, {
        eventNames: trigger.eventNames,
        ...(trigger.sortKeyPrefix !== undefined ? { sortKeyPrefix: trigger.sortKeyPrefix } : {}),
      });
      const eventSourceMapping = new lambda.EventSourceMapping(this, `${stem}EventSource`, {
        target: fn.function,
        eventSourceArn: table.tableStreamArn,
        // From the oldest record still in the stream: nothing written while the mapping was
        // being (re)created is skipped.
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: trigger.batchSize ?? 10,
        filters: [lambda.FilterCriteria.filter(pattern)],
        // A poison record is isolated by halving the batch, retried, then dead-lettered; it
        // never blocks its shard for the stream's whole retention.
        bisectBatchOnError: true,
        retryAttempts: STREAM_RETRY_ATTEMPTS,
        maxRecordAge: STREAM_MAX_RECORD_AGE,
        reportBatchItemFailures: true,
        onFailure: new SqsDlq(deadLetterQueue),
      });
      deployed.set(job.id, { job, function: fn, deadLetterQueue, eventSourceMapping });
    }
    this.jobs = deployed;
  }
}
