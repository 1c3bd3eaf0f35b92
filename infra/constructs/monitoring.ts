import { type CfnResource, Duration, Lazy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { tableDefinitions } from '../../shared/data/table-definitions';
import { type AppMetricName, METRICS_NAMESPACE, SERVICE_NAME } from '../../shared/observability/names';
import { ignoreCfnLintChecks } from '../cfn-lint';
import { type DeployConfig, STREAM_TIMEOUT_MARGIN_SECONDS } from '../deploy-config';
import type { Api } from './api';
import type { ApiFunction } from './api-function';
import type { Data } from './data';
import type { Maintenance } from './maintenance';
import type { Streaming } from './streaming';
import type { WebSocket } from './websocket';
import { webSocketAlarms, webSocketWidgets } from './websocket-monitoring';

const PERIOD = Duration.minutes(5);

export interface MonitoringThresholds {
  /** Share of API requests answered 5xx, in percent. @default 5 */
  readonly api5xxRatePercent?: number;
  /** p95 StopLatencyMs. @default the poll interval + 100 ms (DESIGN §10's budget) */
  readonly stopLatencyP95Ms?: number;
  /**
   * How far past its maximum duration a stream may run before the alarm: streams that end by
   * their own deadline run up to `streamMaxDurationSeconds` (plus the time to store the partial
   * answer), so the alarm sits between that and the function timeout.
   * @default half of STREAM_TIMEOUT_MARGIN_SECONDS (30 s; 630 s of a 660 s timeout by default)
   */
  readonly streamOverrun?: Duration;
  /** Age of the oldest unprocessed record of a table stream job. @default 15 minutes */
  readonly streamIteratorAge?: Duration;
}

export interface MonitoringProps {
  readonly config: DeployConfig;
  readonly data: Data;
  readonly api: Api;
  readonly streaming: Streaming;
  readonly maintenance: Maintenance;
  /** The real-time events API: its functions, alarms and dashboard row. */
  readonly webSocket?: WebSocket;
  readonly thresholds?: MonitoringThresholds;
}

/** Every function of the app, by a readable name (its construct id's stem). */
const functionsOf = (props: MonitoringProps): Map<string, ApiFunction> => {
  const functions = new Map<string, ApiFunction>();
  const stem = (fn: ApiFunction) => fn.node.id.replace(/Function$/, '');
  for (const fn of props.api.functions.values()) functions.set(stem(fn), fn);
  for (const endpoint of props.streaming.endpoints.values())
    functions.set(stem(endpoint.function), endpoint.function);
  for (const job of props.maintenance.jobs.values()) functions.set(stem(job.function), job.function);
  if (props.webSocket) {
    const { authorizerFunction, routeFunctions, fanOut } = props.webSocket;
    for (const fn of [authorizerFunction, ...routeFunctions.values(), fanOut]) functions.set(stem(fn), fn);
  }
  return functions;
};

/**
 * What on-call engineers see (DESIGN §8): one SNS topic every alarm notifies (KMS-encrypted,
 * TLS-only, e-mail subscription when `alarmEmail` is configured), alarms for the API's 5xx rate,
 * each function's errors and throttles, DynamoDB throttling, p95 stop latency, stream functions
 * running close to their timeout and failed background work; one dashboard.
 */
export class Monitoring extends Construct {
  readonly topic: sns.Topic;
  readonly topicKey: kms.Key;
  readonly dashboard: cloudwatch.Dashboard;
  /** By construct id, e.g. `Api5xxRate`, `GetHealthErrors`, `ChatTableThrottles`. */
  readonly alarms: ReadonlyMap<string, cloudwatch.Alarm>;

  private readonly alarmMap = new Map<string, cloudwatch.Alarm>();
  private readonly alarmAction: SnsAction;
  private readonly stage: string;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const { config } = props;
    this.stage = config.stage;
    const thresholds = props.thresholds ?? {};
    this.alarms = this.alarmMap;

    this.topicKey = this.createTopicKey(config);
    this.topic = new sns.Topic(this, 'AlarmTopic', {
      displayName: `CareGuide ${config.stage} alarms`,
      masterKey: this.topicKey,
      enforceSSL: true,
    });
    this.allowAlarmsToPublish();
    this.alarmAction = new SnsAction(this.topic);
    if (config.alarmEmail) this.subscribeEmail(config.alarmEmail);

    const functions = functionsOf(props);
    const service = { service: SERVICE_NAME };
    const appMetric = (metricName: AppMetricName, statistic: string) =>
      new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: service,
        statistic,
        period: PERIOD,
      });

    // API: 5xx share of requests, ignoring periods with too few requests to mean anything.
    const httpApi = props.api.httpApi;
    const api5xxRate = new cloudwatch.MathExpression({
      expression: 'IF(requests >= 20, 100 * errors / requests, 0)',
      usingMetrics: {
        errors: httpApi.metricServerError({ period: PERIOD, statistic: 'Sum' }),
        requests: httpApi.metricCount({ period: PERIOD, statistic: 'Sum' }),
      },
      label: '5xx % of requests',
      period: PERIOD,
    });
    this.addAlarm('Api5xxRate', api5xxRate, {
      threshold: thresholds.api5xxRatePercent ?? 5,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      description:
        'More than the allowed share of HTTP API requests answered 5xx (2 of the last 3 five-minute periods).',
    });

    for (const [name, fn] of functions) {
      this.addAlarm(`${name}Errors`, fn.function.metricErrors({ period: PERIOD, statistic: 'Sum' }), {
        threshold: 1,
        evaluationPeriods: 1,
        description: `${name}: the function failed (unhandled error, timeout or crash; handled errors are 4xx/5xx responses).`,
      });
      this.addAlarm(`${name}Throttles`, fn.function.metricThrottles({ period: PERIOD, statistic: 'Sum' }), {
        threshold: 1,
        evaluationPeriods: 1,
        description: `${name}: invocations were throttled (account or reserved concurrency exhausted).`,
      });
    }

    for (const definition of tableDefinitions) {
      const table = props.data.tableFor(definition);
      this.addAlarm(
        `${definition.constructId}Throttles`,
        this.throttleEvents(
          table,
          definition.globalSecondaryIndexes.map((index) => index.indexName),
        ),
        {
          threshold: 1,
          evaluationPeriods: 1,
          description: `${definition.constructId}: DynamoDB throttled reads or writes (table or index).`,
        },
      );
    }

    this.addAlarm('StopLatencyP95', appMetric('StopLatencyMs', 'p95'), {
      threshold: thresholds.stopLatencyP95Ms ?? config.cancelPollIntervalMs + 100,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      description:
        'p95 of StopLatencyMs (stop request to stream loop exit) above budget (poll interval + 100 ms, DESIGN §10).',
    });

    this.addAlarm('StreamsRecovered', appMetric('StreamRecovered', 'Sum'), {
      threshold: 5,
      evaluationPeriods: 1,
      description:
        'Streams finished from their log after their process died (lease lapsed, no end): stream functions are crashing or timing out.',
    });

    const overrun = thresholds.streamOverrun ?? Duration.seconds(STREAM_TIMEOUT_MARGIN_SECONDS / 2);
    const durationThresholdMs = (config.streamMaxDurationSeconds + overrun.toSeconds()) * 1000;
    if (durationThresholdMs >= props.streaming.timeout.toMilliseconds()) {
      throw new Error(`streamOverrun ${overrun.toSeconds()} s leaves no room before the stream timeout`);
    }
    for (const endpoint of props.streaming.endpoints.values()) {
      const name = endpoint.function.node.id.replace(/Function$/, '');
      this.addAlarm(
        `${name}DurationNearTimeout`,
        endpoint.function.function.metricDuration({ period: PERIOD, statistic: 'Maximum' }),
        {
          threshold: durationThresholdMs,
          evaluationPeriods: 1,
          description:
            `${name}: an invocation ran ${durationThresholdMs / 1000} s, more than ${overrun.toSeconds()} s past the ` +
            `stream maximum (${config.streamMaxDurationSeconds} s) and close to the function timeout ` +
            `(${props.streaming.timeout.toSeconds()} s): streams are not ending by their own deadline.`,
        },
      );
    }

    const iteratorAge = thresholds.streamIteratorAge ?? Duration.minutes(15);
    for (const deployed of props.maintenance.jobs.values()) {
      const name = deployed.function.node.id.replace(/Function$/, '');
      this.addAlarm(
        `${name}DeadLetters`,
        deployed.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
          period: PERIOD,
          statistic: 'Maximum',
        }),
        {
          threshold: 1,
          evaluationPeriods: 1,
          description: `Maintenance job ${deployed.job.id}: work failed after its retries and is in its dead-letter queue.`,
        },
      );
      if (deployed.eventSourceMapping) {
        this.addAlarm(
          `${name}IteratorAge`,
          deployed.function.function.metric('IteratorAge', { period: PERIOD, statistic: 'Maximum' }),
          {
            threshold: iteratorAge.toMilliseconds(),
            evaluationPeriods: 2,
            description: `Maintenance job ${deployed.job.id}: the table stream is being processed too slowly.`,
          },
        );
      }
    }

    if (props.webSocket) {
      for (const { id: alarmId, metric, ...options } of webSocketAlarms(props.webSocket, iteratorAge))
        this.addAlarm(alarmId, metric, options);
    }

    this.dashboard = this.createDashboard(props, functions, appMetric);
    if (props.webSocket) this.dashboard.addWidgets(...webSocketWidgets(props.webSocket));
  }

  /**
   * A customer-managed key: CloudWatch alarms cannot publish to a topic encrypted with the
   * AWS-managed `aws/sns` key, whose policy admits no service principals. The key policy lists
   * its actions one by one (no `kms:*`): administration by the account (through IAM), and
   * encrypt/decrypt for CloudWatch alarms of this account.
   */
  private createTopicKey(config: DeployConfig): kms.Key {
    const stack = Stack.of(this);
    const policy = new iam.PolicyDocument({
      statements: [
        new iam.PolicyStatement({
          sid: 'AccountAdministersKeyThroughIam',
          principals: [new iam.AccountRootPrincipal()],
          actions: [
            'kms:CancelKeyDeletion',
            'kms:CreateGrant',
            'kms:Decrypt',
            'kms:DescribeKey',
            'kms:DisableKey',
            'kms:DisableKeyRotation',
            'kms:EnableKey',
            'kms:EnableKeyRotation',
            'kms:Encrypt',
            'kms:GenerateDataKey',
            'kms:GetKeyPolicy',
            'kms:GetKeyRotationStatus',
            'kms:ListGrants',
            'kms:ListResourceTags',
            'kms:PutKeyPolicy',
            'kms:RevokeGrant',
            'kms:ScheduleKeyDeletion',
            'kms:TagResource',
            'kms:UntagResource',
            'kms:UpdateKeyDescription',
          ],
          resources: ['*'],
        }),
        new iam.PolicyStatement({
          sid: 'CloudWatchAlarmsPublishEncrypted',
          principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: ['*'],
          conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
        }),
      ],
    });
    return new kms.Key(this, 'AlarmTopicKey', {
      description: `Encrypts the CareGuide ${config.stage} alarm topic`,
      enableKeyRotation: true,
      policy,
      removalPolicy: config.removalPolicy,
    });
  }

  /**
   * CloudWatch publishes alarm notifications as the service principal, so the topic's resource
   * policy must allow it (enforceSSL alone leaves only a Deny, and SNS would refuse every alarm).
   * Scoped to this account and to the ARNs of this construct's alarms, listed when the template
   * is synthesized (no cycle: the alarms reference the topic, not its policy).
   */
  private allowAlarmsToPublish(): void {
    const stack = Stack.of(this);
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsOfThisStackPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnEquals: {
            'aws:SourceArn': Lazy.list({
              produce: () => [...this.alarmMap.values()].map((alarm) => alarm.alarmArn),
            }),
          },
        },
      }),
    );
  }

  /** E-mail notifications; a message SNS cannot deliver lands in a queue instead of vanishing. */
  private subscribeEmail(email: string): void {
    const undelivered = new sqs.Queue(this, 'AlarmEmailDeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    const reason =
      'The dead-letter queue of the alarm e-mail subscription: the end of its failure path, so it has no DLQ or ' +
      'redrive policy of its own; undeliverable alarm notifications are kept 14 days.';
    Validations.of(undelivered).acknowledge(
      { id: 'AwsSolutions-SQS3', reason },
      { id: 'Serverless-SQSRedrivePolicy', reason },
    );
    this.topic.addSubscription(new subscriptions.EmailSubscription(email, { deadLetterQueue: undelivered }));
  }

  private addAlarm(
    id: string,
    metric: cloudwatch.IMetric,
    options: {
      readonly threshold: number;
      readonly evaluationPeriods: number;
      readonly datapointsToAlarm?: number;
      readonly description: string;
    },
  ): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      alarmName: `careguide-${this.stage}-${id}`,
      alarmDescription: options.description,
      metric,
      threshold: options.threshold,
      evaluationPeriods: options.evaluationPeriods,
      ...(options.datapointsToAlarm ? { datapointsToAlarm: options.datapointsToAlarm } : {}),
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      // No data means no traffic (or no failures), not a problem.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(this.alarmAction);
    alarm.addOkAction(this.alarmAction);
    this.alarmMap.set(id, alarm);
    return alarm;
  }

  /**
   * Read and write throttle events of a table and its GSIs, summed. A CloudWatch alarm's math
   * may use at most 10 metrics: a table with more than four GSIs fails synth here, on purpose.
   */
  private throttleEvents(table: dynamodb.ITable, indexNames: readonly string[]): cloudwatch.MathExpression {
    const usingMetrics: Record<string, cloudwatch.IMetric> = {};
    const targets = [undefined, ...indexNames];
    targets.forEach((indexName, i) => {
      for (const [prefix, metricName] of [
        ['r', 'ReadThrottleEvents'],
        ['w', 'WriteThrottleEvents'],
      ] as const) {
        usingMetrics[`${prefix}${i}`] = new cloudwatch.Metric({
          namespace: 'AWS/DynamoDB',
          metricName,
          dimensionsMap: {
            TableName: table.tableName,
            ...(indexName ? { GlobalSecondaryIndexName: indexName } : {}),
          },
          statistic: 'Sum',
          period: PERIOD,
        });
      }
    });
    if (Object.keys(usingMetrics).length > 10) {
      throw new Error(
        `${table.node.path}: ${Object.keys(usingMetrics).length} throttle metrics exceed the 10 an alarm may use; split the alarm`,
      );
    }
    return new cloudwatch.MathExpression({
      expression: Object.keys(usingMetrics).join(' + '),
      usingMetrics,
      label: 'throttle events',
      period: PERIOD,
    });
  }

  private createDashboard(
    props: MonitoringProps,
    functions: Map<string, ApiFunction>,
    appMetric: (name: AppMetricName, statistic: string) => cloudwatch.Metric,
  ): cloudwatch.Dashboard {
    const { httpApi } = props.api;
    const stack = Stack.of(this);
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      // Dashboards are global to the account: the region keeps two regions' stages apart.
      dashboardName: `careguide-${props.config.stage}-${stack.region}`,
      defaultInterval: Duration.hours(3),
    });
    // E3002: CloudFormation accepts Tags on a dashboard (the stack tags every resource), but the
    // resource schema bundled with cfn-lint does not list the property yet.
    ignoreCfnLintChecks(dashboard.node.defaultChild as CfnResource, ['E3002']);
    const fnList = [...functions.entries()];
    const perFunction = (metric: (fn: ApiFunction) => cloudwatch.IMetric, label: string) =>
      fnList.map(([name, fn]) => {
        const base = metric(fn) as cloudwatch.Metric;
        return base.with({ label: `${name} ${label}` });
      });
    const streamFunctions = [...props.streaming.endpoints.values()].map((endpoint) => endpoint.function);

    dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({
        title: 'Alarms',
        alarms: [...this.alarmMap.values()],
        width: 24,
        height: 4,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'API latency (ms)',
        left: ['p50', 'p95', 'p99'].map((statistic) =>
          httpApi.metricLatency({ period: PERIOD, statistic, label: `latency ${statistic}` }),
        ),
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Stream latency (ms)',
        left: [
          appMetric('TimeToFirstTokenMs', 'p50').with({ label: 'time to first token p50' }),
          appMetric('TimeToFirstTokenMs', 'p95').with({ label: 'time to first token p95' }),
          appMetric('ChatResponseTimeMs', 'p95').with({ label: 'response time p95' }),
        ],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Stop latency (ms)',
        left: [
          appMetric('StopLatencyMs', 'p50').with({ label: 'stop latency p50' }),
          appMetric('StopLatencyMs', 'p95').with({ label: 'stop latency p95' }),
          appMetric('StopLatencyMs', 'Maximum').with({ label: 'stop latency max' }),
        ],
        leftAnnotations: [
          {
            value: props.thresholds?.stopLatencyP95Ms ?? props.config.cancelPollIntervalMs + 100,
            label: 'p95 budget',
          },
        ],
        width: 8,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Streams: started, completed, stopped',
        left: [
          appMetric('StreamStarted', 'Sum').with({ label: 'started' }),
          appMetric('StreamCompleted', 'Sum').with({ label: 'completed' }),
          appMetric('StreamCancelled', 'Sum').with({ label: 'cancelled (stops, deletes, deadlines)' }),
        ],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Active streams',
        // ActiveStreams is reported as +1 / -1 deltas (shared/observability/stream-telemetry.ts):
        // their running sum is the live count; the stream functions' concurrency is the check.
        left: [
          new cloudwatch.MathExpression({
            expression: 'RUNNING_SUM(deltas)',
            usingMetrics: { deltas: appMetric('ActiveStreams', 'Sum') },
            label: 'live streams (running sum of ActiveStreams)',
            period: PERIOD,
          }),
        ],
        right: streamFunctions.map((fn) =>
          fn.function.metric('ConcurrentExecutions', {
            period: PERIOD,
            statistic: 'Maximum',
            label: `${fn.node.id} concurrent executions`,
          }),
        ),
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Stream log: resumes, replay latency, recovered streams',
        left: [
          appMetric('StreamResumed', 'Sum').with({ label: 'resumes' }),
          appMetric('StreamRecovered', 'Sum').with({ label: 'recovered (interrupted) streams' }),
        ],
        right: [
          appMetric('ReplayLatencyMs', 'p50').with({ label: 'replay latency p50' }),
          appMetric('ReplayLatencyMs', 'p95').with({ label: 'replay latency p95' }),
        ],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Capacity units per answer (streams table, ReturnConsumedCapacity)',
        left: [
          appMetric('StreamWriteUnits', 'Average').with({ label: 'write units per answer (avg)' }),
          appMetric('StreamWriteUnits', 'p95').with({ label: 'write units per answer (p95)' }),
        ],
        right: [appMetric('StreamReadUnits', 'Average').with({ label: 'read units per answer (avg)' })],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'API requests and errors',
        left: [httpApi.metricCount({ period: PERIOD, statistic: 'Sum', label: 'requests' })],
        right: [
          httpApi.metricClientError({ period: PERIOD, statistic: 'Sum', label: '4xx' }),
          httpApi.metricServerError({ period: PERIOD, statistic: 'Sum', label: '5xx' }),
        ],
        width: 8,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Errors by error_type (app)',
        left: [
          new cloudwatch.MathExpression({
            expression: `SEARCH('{${METRICS_NAMESPACE},error_type,service} MetricName="${'Errors' satisfies AppMetricName}"', 'Sum', 300)`,
            label: '',
            period: PERIOD,
          }),
        ],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Lambda errors',
        left: perFunction((fn) => fn.function.metricErrors({ period: PERIOD, statistic: 'Sum' }), 'errors'),
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Lambda throttles',
        left: perFunction(
          (fn) => fn.function.metricThrottles({ period: PERIOD, statistic: 'Sum' }),
          'throttles',
        ),
        width: 8,
      }),
    );
    dashboard.addWidgets(
      ...tableDefinitions.map(
        (definition) =>
          new cloudwatch.GraphWidget({
            title: `DynamoDB ${definition.constructId}`,
            left: [
              props.data
                .tableFor(definition)
                .metricConsumedReadCapacityUnits({ period: PERIOD, statistic: 'Sum', label: 'read units' }),
              props.data
                .tableFor(definition)
                .metricConsumedWriteCapacityUnits({ period: PERIOD, statistic: 'Sum', label: 'write units' }),
            ],
            right: [
              this.throttleEvents(
                props.data.tableFor(definition),
                definition.globalSecondaryIndexes.map((index) => index.indexName),
              ),
            ],
            width: 12,
          }),
      ),
    );
    const jobs = [...props.maintenance.jobs.values()];
    if (jobs.length > 0) {
      dashboard.addWidgets(
        new cloudwatch.GraphWidget({
          title: 'Maintenance: dead letters',
          left: jobs.map((deployed) =>
            deployed.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
              period: PERIOD,
              statistic: 'Maximum',
              label: deployed.job.id,
            }),
          ),
          width: 12,
        }),
        new cloudwatch.GraphWidget({
          title: 'Maintenance: invocations and errors',
          left: jobs.map((deployed) =>
            deployed.function.function.metricInvocations({
              period: PERIOD,
              statistic: 'Sum',
              label: `${deployed.job.id} invocations`,
            }),
          ),
          right: jobs.map((deployed) =>
            deployed.function.function.metricErrors({
              period: PERIOD,
              statistic: 'Sum',
              label: `${deployed.job.id} errors`,
            }),
          ),
          width: 12,
        }),
      );
    }
    return dashboard;
  }
}
