import { type CfnResource, Duration, Stack, Validations } from 'aws-cdk-lib';
import type * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { ConfigEnvName } from '../../shared/config/config-schema';
import type { TableDefinition } from '../../shared/data/table-definitions';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../../shared/observability/names';
import type { AuditTableAccess, TableAccess } from '../../shared/routes/route-definition';
import { BUNDLE_FILE, FUNCTION_RUNTIME, handlerCode } from '../bundling';
import { ignoreCfnLintChecks } from '../cfn-lint';
import type { DeployConfig } from '../deploy-config';
import { appVersion } from '../paths';

/**
 * Env var names a function may get: the handlers' configuration schema
 * (shared/config/config-schema.ts; AWS_REGION is reserved by Lambda) plus the variables read
 * by Powertools and Node itself. A misspelt name fails the typecheck.
 */
export type FunctionEnvName =
  | Exclude<ConfigEnvName, 'AWS_REGION'>
  | 'POWERTOOLS_SERVICE_NAME'
  | 'POWERTOOLS_METRICS_NAMESPACE'
  | 'POWERTOOLS_LOG_LEVEL'
  | 'NODE_OPTIONS'
  | 'AWS_NODEJS_CONNECTION_REUSE_ENABLED';

export type TableEnvName = TableDefinition['envVar'];

/** Powertools' service name (a metric dimension): one service, so every function's metrics aggregate. */

/**
 * Data-plane reads. `Scan` is deliberately absent (DESIGN §5: reads never scan), as are
 * stream reads; `DescribeTable` lets readiness probes check the table without reading items.
 */
const READ_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:ConditionCheckItem',
  'dynamodb:DescribeTable',
] as const;
/** Item writes; TransactWriteItems is authorised per item by these same actions. */
const WRITE_ACTIONS = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
] as const;

/**
 * The audit table's levels: append-only. PutItem (every put is conditioned on a new key, so it
 * cannot overwrite) and ConditionCheckItem; the listing adds Query. Never UpdateItem,
 * DeleteItem or BatchWriteItem: no function can change or remove an event.
 */
const APPEND_ACTIONS = ['dynamodb:PutItem', 'dynamodb:ConditionCheckItem'] as const;
const READ_APPEND_ACTIONS = [...APPEND_ACTIONS, 'dynamodb:Query'] as const;

export const tableActions = (access: TableAccess | AuditTableAccess): readonly string[] => {
  switch (access) {
    case 'RW':
      return [...READ_ACTIONS, ...WRITE_ACTIONS];
    case 'RO':
      return READ_ACTIONS;
    case 'APPEND':
      return APPEND_ACTIONS;
    case 'READ_APPEND':
      return READ_APPEND_ACTIONS;
  }
};

/**
 * A Lambda execution role whose grants all land in one customer-managed policy instead of an
 * inline DefaultPolicy (HIPAA Security forbids inline policies). Every `grant*` call of CDK
 * goes through `addToPrincipalPolicy`, so nothing can bypass it.
 */
class FunctionRole extends iam.Role {
  readonly policy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string) {
    super(scope, id, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    // A child of the role, so the function (which depends on its role) waits for the policy too.
    this.policy = new iam.ManagedPolicy(this, 'Policy', { roles: [this] });
  }

  override addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    this.policy.addStatements(statement);
    return { statementAdded: true, policyDependable: this.policy };
  }
}

/**
 * How a function is invoked, which decides what happens to a failed invocation:
 * - `api`: synchronously by the HTTP API; the caller gets the error, nothing to dead-letter.
 * - `function-url`: synchronously through its function URL (response streaming); likewise.
 * - `event-source`: by a DynamoDB Streams event source mapping, which retries the batch and
 *   sends what keeps failing to the mapping's own on-failure destination (see `Maintenance`).
 * - `schedule`: asynchronously by EventBridge; Lambda retries, then the event goes to the
 *   on-failure destination `failureQueue`.
 */
export type FunctionInvocation = 'api' | 'function-url' | 'event-source' | 'schedule';

export interface ApiFunctionProps {
  /** Handler module, relative to the repository root (a route's `handler.entry`). */
  readonly entry: string;
  /** Exported handler name. @default 'handler' */
  readonly handlerExport?: string;
  readonly description?: string;
  readonly config: DeployConfig;
  /** The pool and client whose tokens the handler trusts (COGNITO_USER_POOL_ID, COGNITO_CLIENT_ID). */
  readonly userPool: cognito.IUserPool;
  readonly userPoolClient: cognito.IUserPoolClient;
  /** @default 512 — Powertools + SDK cold starts are CPU-bound, and CPU scales with memory. */
  readonly memorySize?: number;
  /** @default Duration.seconds(10) — CRUD handlers make a few DynamoDB calls; the HTTP API gives up at 30 s. */
  readonly timeout?: Duration;
  /** @default 'api' */
  readonly invocation?: FunctionInvocation;
  /**
   * The on-failure destination of asynchronous invocations: where an event goes after its
   * retries, with the error and the request context. Required (and only allowed) for `schedule`.
   */
  readonly failureQueue?: sqs.IQueue;
  /** Reserved concurrency. @default none: the function shares the account's unreserved pool */
  readonly reservedConcurrentExecutions?: number;
}

/** Asynchronous invocations: two retries (Lambda's maximum); an event older than this goes to the failure queue. */
const ASYNC_RETRY_ATTEMPTS = 2;
const ASYNC_MAX_EVENT_AGE = Duration.hours(1);

const SYNCHRONOUS_DLQ_REASON: Record<'api' | 'function-url', string> = {
  api: 'Invoked synchronously by API Gateway: the caller receives the error, there is no async event to dead-letter.',
  'function-url':
    'Invoked synchronously through its function URL (response streaming): the client receives the error or the ' +
    "stream's error event, there is no async event to dead-letter.",
};
const ASYNC_DLQ_REASON =
  "Asynchronous failures go to an on-failure destination (EventInvokeConfig → the job's SQS queue), which AWS " +
  'recommends over a DeadLetterConfig: its record carries the error and the request context. A DeadLetterConfig ' +
  'as well would only duplicate the same failure path with less information.';
const EVENT_SOURCE_DLQ_REASON =
  'Invoked by a DynamoDB Streams event source mapping, not asynchronously: the mapping retries and bisects failing ' +
  'batches and sends the records that still fail to its own on-failure SQS destination (DestinationConfig).';

const CONCURRENCY_REASON: Record<FunctionInvocation, string> = {
  api:
    'Reserved concurrency would cap or starve other functions in the account; load is bounded by the HTTP API ' +
    'stage throttle and per-user limits, and Lambda throttles are alarmed by the monitoring construct.',
  'function-url':
    'Reserved concurrency is opt-in (deploy key streamReservedConcurrency): accounts on the default quota of 10 ' +
    'concurrent executions cannot reserve any. Live streams are capped per user in DynamoDB, and throttles are alarmed.',
  'event-source':
    'Concurrency is already bounded by the event source mapping (one batch per stream shard at a time); reserving ' +
    'more would only take capacity from the API functions.',
  schedule:
    'Invoked by one schedule: at most one run at a time in normal operation, each bounded by its timeout; ' +
    'reserving concurrency would only take capacity from the API functions.',
};

/**
 * The one way this app builds a Lambda function: Node.js on arm64, an ESM bundle made by the
 * local esbuild (no Docker, infra/bundling.ts), source maps, X-Ray, its own log group with
 * retention, JSON logs, Powertools and app configuration in env vars, a role holding only what
 * `bindTable` / `bindModel` grant, and dead-letter handling that fits how it is invoked.
 */
export class ApiFunction extends Construct {
  readonly function: lambda.Function;
  readonly logGroup: logs.LogGroup;
  readonly role: iam.Role;
  readonly invocation: FunctionInvocation;

  private readonly config: DeployConfig;

  constructor(scope: Construct, id: string, props: ApiFunctionProps) {
    super(scope, id);
    const { config } = props;
    this.config = config;
    const invocation = props.invocation ?? 'api';
    this.invocation = invocation;
    if ((invocation === 'schedule') !== (props.failureQueue !== undefined)) {
      throw new Error(
        `${this.node.path}: a failureQueue is required for invocation 'schedule' and only allowed there (invocation '${invocation}')`,
      );
    }

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: config.logRetention,
      removalPolicy: config.removalPolicy,
    });
    const role = new FunctionRole(this, 'Role');
    this.role = role;
    this.logGroup.grantWrite(role);

    const handlerExport = props.handlerExport ?? 'handler';
    this.function = new lambda.Function(this, 'Function', {
      code: handlerCode(props.entry),
      handler: `${BUNDLE_FILE.replace(/\.mjs$/, '')}.${handlerExport}`,
      ...(props.description ? { description: props.description } : {}),
      runtime: FUNCTION_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(10),
      role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel[config.logLevel],
      systemLogLevelV2: lambda.SystemLogLevel.WARN,
      tracing: lambda.Tracing.ACTIVE,
      ...(props.reservedConcurrentExecutions !== undefined
        ? { reservedConcurrentExecutions: props.reservedConcurrentExecutions }
        : {}),
      ...(props.failureQueue
        ? {
            onFailure: new SqsDestination(props.failureQueue),
            retryAttempts: ASYNC_RETRY_ATTEMPTS,
            maxEventAge: ASYNC_MAX_EVENT_AGE,
          }
        : {}),
    });
    // W3005: CDK adds DependsOn from the function to its role (and the role's policy) so the
    // grants exist before the function runs; cfn-lint flags the role one as redundant with the
    // Role GetAtt. Harmless, and not ours to change.
    ignoreCfnLintChecks(this.function.node.defaultChild as CfnResource, ['W3005']);

    const environment: Partial<Record<FunctionEnvName, string>> = {
      NODE_OPTIONS: '--enable-source-maps',
      AWS_NODEJS_CONNECTION_REUSE_ENABLED: '1',
      POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      POWERTOOLS_LOG_LEVEL: config.logLevel,
      STAGE: config.stage,
      APP_VERSION: appVersion,
      AUTH_MODE: 'cognito',
      COGNITO_USER_POOL_ID: props.userPool.userPoolId,
      COGNITO_CLIENT_ID: props.userPoolClient.userPoolClientId,
      // What the health report names as the model; the permission to call it comes from bindModel.
      MODEL_PROVIDER: 'bedrock',
      BEDROCK_MODEL_ID: config.bedrockModelId,
      CANCEL_POLL_INTERVAL_MS: String(config.cancelPollIntervalMs),
      CORS_ALLOWED_ORIGINS: config.corsAllowedOrigins.join(','),
      // Limits are configuration, not grants: every function sees the same values (a stop or a
      // delete must agree with the stream handler on them).
      STREAM_MAX_DURATION_SECONDS: String(config.streamMaxDurationSeconds),
      MAX_LIVE_STREAMS_PER_USER: String(config.maxLiveStreamsPerUser),
      MAX_LIVE_ROOMS_PER_USER: String(config.maxLiveRoomsPerUser),
      ROOM_CREATE_LIMIT_PER_HOUR: String(config.roomCreateLimitPerHour),
      AUDIT_RETENTION_DAYS: String(config.auditRetentionDays),
      DEFAULT_RETENTION_DAYS:
        config.defaultRetentionDays === null ? 'off' : String(config.defaultRetentionDays),
    };
    for (const [name, value] of Object.entries(environment)) {
      if (value !== undefined) this.function.addEnvironment(name, value);
    }

    Validations.of(this).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Only xray:PutTraceSegments and xray:PutTelemetryRecords (added by tracing: ACTIVE) use Resource "*": ' +
          'these X-Ray actions support no resource-level permissions.',
      },
      {
        id: 'HIPAA.Security-LambdaInsideVPC',
        reason:
          'The function reaches only AWS APIs (DynamoDB, Bedrock, CloudWatch, X-Ray) over TLS with SigV4 auth and no ' +
          'private resources exist; a VPC would add NAT or interface endpoints and cold-start latency, not protection.',
      },
      {
        id: 'HIPAA.Security-CloudWatchLogGroupEncrypted',
        reason:
          'Logs carry no health information by design (DESIGN §7: ids, sizes, timings, error codes only); CloudWatch ' +
          'Logs encrypts them at rest with service-managed keys, so a customer-managed key would protect no PHI.',
      },
    );
    const dlqReason =
      invocation === 'schedule'
        ? ASYNC_DLQ_REASON
        : invocation === 'event-source'
          ? EVENT_SOURCE_DLQ_REASON
          : SYNCHRONOUS_DLQ_REASON[invocation];
    Validations.of(this).acknowledge(
      { id: 'HIPAA.Security-LambdaDLQ', reason: dlqReason },
      { id: 'Serverless-LambdaDLQ', reason: dlqReason },
    );
    if (props.reservedConcurrentExecutions === undefined) {
      Validations.of(this).acknowledge({
        id: 'HIPAA.Security-LambdaConcurrency',
        reason: CONCURRENCY_REASON[invocation],
      });
    }
  }

  /** Sets one env var of the function; the name must be one the handlers' config schema (or Powertools) reads. */
  setEnvironment(name: FunctionEnvName, value: string): void {
    this.function.addEnvironment(name, value);
  }

  /**
   * Gives the function a table: its name in `envVar` and, in the same call, the least grant —
   * RO: item reads (no Scan); RW: item reads and writes. Never table management, streams or `*`.
   */
  bindTable(table: dynamodb.ITable, access: TableAccess | AuditTableAccess, envVar: TableEnvName): void {
    this.setEnvironment(envVar, table.tableName);
    const grant = table.grant(this.function, ...tableActions(access));
    // Table.grant adds `<table arn>/index/*` when the table has GSIs: queries by index need it.
    // Acknowledged only where the grant really holds it (a table without GSIs gets none).
    const stack = Stack.of(this);
    const tableArn = stack.resolve(table.tableArn) as unknown;
    const logicalId = ApiFunction.getAttLogicalId(tableArn);
    const indexArn = JSON.stringify([tableArn, '/index/*']);
    const grantsIndexes = grant.principalStatements.some((statement) =>
      JSON.stringify(stack.resolve(statement.resources)).includes(indexArn),
    );
    if (logicalId && grantsIndexes) {
      Validations.of(this).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>/index/*]`,
        reason:
          "The wildcard covers only this one table's own secondary indexes (`<table arn>/index/*`), which " +
          'queries by GSI need; the actions are the explicit item reads/writes of this function.',
      });
    }
  }

  /**
   * Lets the function's event source mapping read `table`'s stream, and nothing else: the four
   * stream actions on that one stream's ARN. (`DynamoEventSource` would also grant
   * `dynamodb:ListStreams` on `*`; AWS documents the stream ARN as enough.)
   */
  bindTableStream(table: dynamodb.ITable): void {
    if (!table.tableStreamArn) {
      throw new Error(`${table.node.path} has no stream: its table definition must set \`stream\``);
    }
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [
          'dynamodb:DescribeStream',
          'dynamodb:GetRecords',
          'dynamodb:GetShardIterator',
          'dynamodb:ListStreams',
        ],
        resources: [table.tableStreamArn],
      }),
    );
  }

  /**
   * Lets the function call `bedrockModelId` and nothing else: ConverseStream
   * (`bedrock:InvokeModelWithResponseStream`), plus Converse (`bedrock:InvokeModel`) only when
   * `nonStreaming` is asked for — the chat stream needs just the first.
   * Foundation-model ids are granted on that model's ARN in this region; cross-region
   * inference profiles (`us.`, `eu.`, `apac.`, `global.` prefixes) on the profile and the
   * underlying model in the regions the profile routes to.
   */
  bindModel(options: { readonly nonStreaming?: boolean } = {}): void {
    const stack = Stack.of(this);
    const modelId = this.config.bedrockModelId;
    const actions = [
      'bedrock:InvokeModelWithResponseStream',
      ...(options.nonStreaming ? ['bedrock:InvokeModel'] : []),
    ];
    const profile = /^(us|eu|apac|global)\.(.+)$/.exec(modelId);
    if (!profile) {
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions,
          resources: [`arn:${stack.partition}:bedrock:${stack.region}::foundation-model/${modelId}`],
        }),
      );
      return;
    }
    const baseModelId = profile[2];
    const profileArn = `arn:${stack.partition}:bedrock:${stack.region}:${stack.account}:inference-profile/${modelId}`;
    const modelArnAnyRegion = `arn:${stack.partition}:bedrock:*::foundation-model/${baseModelId}`;
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions, resources: [profileArn] }));
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions,
        resources: [modelArnAnyRegion],
        conditions: { StringLike: { 'bedrock:InferenceProfileArn': profileArn } },
      }),
    );
    Validations.of(this).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:bedrock:*::foundation-model/${baseModelId}]`,
      reason:
        'A cross-region inference profile routes each call to the model in one of several regions, so the model ' +
        'grant names every region; the condition limits it to calls made through this profile.',
    });
  }

  private static getAttLogicalId(resolved: unknown): string | undefined {
    if (typeof resolved !== 'object' || resolved === null || !('Fn::GetAtt' in resolved)) return undefined;
    const getAtt = (resolved as { 'Fn::GetAtt': unknown })['Fn::GetAtt'];
    return Array.isArray(getAtt) && typeof getAtt[0] === 'string' ? getAtt[0] : undefined;
  }
}
