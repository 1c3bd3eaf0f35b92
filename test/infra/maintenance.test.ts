import { existsSync } from 'node:fs';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { accessTables } from '../../infra/constructs/function-access';
import { readDeployConfig } from '../../infra/deploy-config';
import { type MaintenanceJob, maintenanceJobs } from '../../infra/maintenance-jobs';
import { fromRepoRoot } from '../../infra/paths';
import { CareGuideStack } from '../../infra/stacks/careguide-stack';
import { chatTable, streamsTable, type TableDefinition } from '../../shared/data/table-definitions';
import {
  actionsOf,
  functionEnvironment,
  logicalIdOf,
  propertiesOf,
  resourcesOfType,
  statementsOfRole,
  synthStack,
  testApp,
} from './synth';

const dev = synthStack({ stage: 'dev' });
const { stack, template } = dev;

const deployedJob = (id: string) => {
  const job = stack.maintenance.jobs.get(id);
  if (!job) throw new Error(`maintenance job ${id} was not deployed`);
  return job;
};
const arnOf = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });

const scheduledJobs = maintenanceJobs.filter((job) => job.trigger.kind === 'schedule');
const streamJobs = maintenanceJobs.filter((job) => job.trigger.kind === 'table-stream');

describe('the maintenance jobs', () => {
  it('are the purge, the retention and the lapsed-stream sweep (schedules), the deletion of cleared history and of accounts (table stream)', () => {
    expect(scheduledJobs.map((job) => job.id)).toEqual(
      expect.arrayContaining(['purgeDeletedRooms', 'applyRetention', 'recoverLapsedStreams']),
    );
    expect(streamJobs.map((job) => job.id)).toEqual(
      expect.arrayContaining(['deleteClearedHistory', 'deleteAccountData']),
    );
  });

  it.each(maintenanceJobs)('$id is deployed, since its handler exists', (job) => {
    expect(existsSync(fromRepoRoot(job.handler.entry))).toBe(true);
    expect(stack.maintenance.jobs.has(job.id)).toBe(true);
  });
});

describe('the lapsed-stream sweep', () => {
  it('runs every 2 minutes on an EventBridge rule and may Query the running-streams index (gsi1) of the streams table', () => {
    const job = deployedJob('recoverLapsedStreams');
    const statements = statementsOfRole(template, logicalIdOf(job.function.role));
    const streamsTableArn = arnOf(logicalIdOf(stack.data.tableFor(streamsTable)));

    expect(propertiesOf(template, logicalIdOf(job.rule as NonNullable<typeof job.rule>))).toMatchObject({
      ScheduleExpression: 'rate(2 minutes)',
      State: 'ENABLED',
    });
    expect(JSON.stringify(statements)).toContain(JSON.stringify(streamsTableArn));
    expect(JSON.stringify(statements)).toContain('/index/*');
    expect(statements.flatMap(actionsOf)).not.toContain('dynamodb:Scan');
  });
});

describe.each(maintenanceJobs)('the maintenance job $id', (job) => {
  it('holds exactly its declared access (the audit table append-only), and no Bedrock', () => {
    const { function: fn } = deployedJob(job.id);
    const env = functionEnvironment(template, fn.function);
    const statements = statementsOfRole(template, logicalIdOf(fn.role));

    expect(job.access.chatTable).toBe('RW');
    for (const [key, definition] of Object.entries(accessTables) as [
      keyof typeof accessTables,
      TableDefinition,
    ][]) {
      const tableId = logicalIdOf(stack.data.tableFor(definition));
      const actions = statements
        .filter((statement) => JSON.stringify(statement.Resource).includes(`"${tableId}"`))
        .flatMap(actionsOf)
        .filter(
          (action) => action.startsWith('dynamodb:') && !/Stream|GetRecords|GetShardIterator/.test(action),
        );
      const access = job.access[key];
      if (!access) {
        expect(env[definition.envVar]).toBeUndefined();
        expect(actions).toEqual([]);
      } else if (access === 'APPEND') {
        expect(env[definition.envVar]).toEqual({ Ref: tableId });
        expect([...new Set(actions)].sort()).toEqual(['dynamodb:ConditionCheckItem', 'dynamodb:PutItem']);
      } else {
        expect(env[definition.envVar]).toEqual({ Ref: tableId });
        expect(actions).toEqual(expect.arrayContaining(['dynamodb:Query', 'dynamodb:DeleteItem']));
      }
      expect(actions).not.toContain('dynamodb:Scan');
    }
    expect(statements.flatMap(actionsOf).filter((action) => action.startsWith('bedrock:'))).toEqual([]);
  });

  it('has the timeout it declares and a log group with retention', () => {
    const { function: fn } = deployedJob(job.id);

    expect(propertiesOf(template, logicalIdOf(fn.function))).toMatchObject({
      Timeout: job.timeoutSeconds,
      LoggingConfig: { LogGroup: { Ref: logicalIdOf(fn.logGroup) } },
    });
    expect(propertiesOf(template, logicalIdOf(fn.logGroup)).RetentionInDays).toBe(30);
  });

  it('dead-letters into an encrypted, TLS-only queue that keeps messages 14 days', () => {
    const queueId = logicalIdOf(deployedJob(job.id).deadLetterQueue);

    expect(propertiesOf(template, queueId)).toMatchObject({
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: queueId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 'sqs:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            Principal: { AWS: '*' },
          }),
        ]),
      },
    });
  });
});

describe.each(scheduledJobs)('the scheduled job $id', (job) => {
  const expression = job.trigger.kind === 'schedule' ? job.trigger.expression : '';

  it('runs on its schedule, with delivery retries and a dead-letter queue', () => {
    const { function: fn, deadLetterQueue } = deployedJob(job.id);

    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: expression,
      State: 'ENABLED',
      Targets: [
        Match.objectLike({
          Arn: arnOf(logicalIdOf(fn.function)),
          RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
          DeadLetterConfig: { Arn: arnOf(logicalIdOf(deadLetterQueue)) },
        }),
      ],
    });
  });

  it('is retried twice by Lambda when it fails, then sent to the same queue', () => {
    const { function: fn, deadLetterQueue } = deployedJob(job.id);

    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: logicalIdOf(fn.function) },
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: arnOf(logicalIdOf(deadLetterQueue)) } },
    });
  });

  it('may be invoked by EventBridge, from its own rule only', () => {
    const { function: fn, rule } = deployedJob(job.id);
    if (!rule) throw new Error(`${job.id} has no rule`);

    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: arnOf(logicalIdOf(fn.function)),
      Principal: 'events.amazonaws.com',
      SourceArn: arnOf(logicalIdOf(rule)),
    });
  });
});

describe.each(streamJobs)('the table-stream job $id', (job) => {
  const trigger = job.trigger.kind === 'table-stream' ? job.trigger : undefined;

  it('reads the table stream from the oldest record, bisecting and retrying failed batches, then dead-lettering', () => {
    const { function: fn, deadLetterQueue } = deployedJob(job.id);
    const table = stack.data.tableFor(chatTable);

    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: logicalIdOf(fn.function) },
      EventSourceArn: { 'Fn::GetAtt': [logicalIdOf(table), 'StreamArn'] },
      StartingPosition: 'TRIM_HORIZON',
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 5,
      MaximumRecordAgeInSeconds: 6 * 3600,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      DestinationConfig: { OnFailure: { Destination: arnOf(logicalIdOf(deadLetterQueue)) } },
    });
  });

  it('receives only the change events and items it asked for', () => {
    const functionRef = JSON.stringify({ Ref: logicalIdOf(deployedJob(job.id).function.function) });
    const mapping = resourcesOfType(template, 'AWS::Lambda::EventSourceMapping').find(
      ([, resource]) => JSON.stringify(resource.Properties?.FunctionName) === functionRef,
    );
    if (!mapping) throw new Error(`${job.id} has no event source mapping`);
    const criteria = mapping[1].Properties?.FilterCriteria as { Filters: { Pattern: string }[] } | undefined;
    const filters = criteria?.Filters ?? [];

    expect(filters.map((filter) => JSON.parse(filter.Pattern))).toEqual([
      {
        eventName: trigger?.eventNames,
        dynamodb: { Keys: { sk: { S: [{ prefix: trigger?.sortKeyPrefix }] } } },
      },
    ]);
    const jobItems: Record<string, string> = {
      deleteClearedHistory: 'HISTORY_CLEAR#',
      deleteAccountData: 'ACCOUNT_DELETION#',
    };
    expect(trigger).toMatchObject({ eventNames: ['INSERT'], sortKeyPrefix: jobItems[job.id] });
  });

  it("may read that one table's stream and send to its queue, nothing broader", () => {
    const { function: fn, deadLetterQueue } = deployedJob(job.id);
    const statements = statementsOfRole(template, logicalIdOf(fn.role));
    const stream = statements.filter((s) => actionsOf(s).includes('dynamodb:GetRecords'));
    const send = statements.filter((s) => actionsOf(s).includes('sqs:SendMessage'));

    expect(stream).toHaveLength(1);
    expect(stream[0]?.Resource).toEqual({
      'Fn::GetAtt': [logicalIdOf(stack.data.tableFor(chatTable)), 'StreamArn'],
    });
    expect(send.map((s) => s.Resource)).toEqual([arnOf(logicalIdOf(deadLetterQueue))]);
  });
});

describe('the Maintenance construct', () => {
  it('fails the synth for a job whose handler does not exist, instead of leaving it out', () => {
    // Prepare
    const app = testApp();
    const missing: MaintenanceJob = {
      id: 'compactArchives',
      summary: 'not written yet',
      handler: { entry: 'functions/maintenance/compact-archives.ts', export: 'handler' },
      trigger: { kind: 'schedule', expression: 'rate(1 day)' },
      access: { chatTable: 'RW' },
      timeoutSeconds: 60,
    };

    // Act
    const build = () =>
      new CareGuideStack(app, 'MissingJob', {
        config: readDeployConfig(app.node),
        maintenanceJobs: [...maintenanceJobs, missing],
      });

    // Assess
    expect(build).toThrow(
      /compactArchives: its handler functions\/maintenance\/compact-archives.ts does not exist/,
    );
  });
});
