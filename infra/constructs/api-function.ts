import { Duration, Stack, Validations } from 'aws-cdk-lib';
import type * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { ConfigEnvName } from '../../shared/config/config-schema';
import type { TableDefinition } from '../../shared/data/table-definitions';
import type { TableAccess } from '../../shared/routes/route-definition';
import type { DeployConfig } from '../deploy-config';
import { appVersion, fromRepoRoot } from '../paths';

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
export const SERVICE_NAME = 'careguide-chat';
export const METRICS_NAMESPACE = 'CareGuide';

/** Lambda runtime of every function: the newest Node.js LTS Lambda offers (handlers also run on Node 20 locally). */
export const FUNCTION_RUNTIME = lambda.Runtime.NODEJS_24_X;

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

export const tableActions = (access: TableAccess): readonly string[] =>
  access === 'RW' ? [...READ_ACTIONS, ...WRITE_ACTIONS] : READ_ACTIONS;

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
}

/**
 * The one way this app builds a Lambda function: Node.js on arm64, an ESM bundle made by the
 * local esbuild (no Docker), source maps, X-Ray, its own log group with retention, JSON logs,
 * Powertools and app configuration in env vars, and a role holding only what `bindTable` /
 * `bindModel` grant.
 */
export class ApiFunction extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly logGroup: logs.LogGroup;
  readonly role: iam.Role;

  private readonly config: DeployConfig;

  constructor(scope: Construct, id: string, props: ApiFunctionProps) {
    super(scope, id);
    const { config } = props;
    this.config = config;

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: config.logRetention,
      removalPolicy: config.removalPolicy,
    });
    const role = new FunctionRole(this, 'Role');
    this.role = role;
    this.logGroup.grantWrite(role);

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: fromRepoRoot(props.entry),
      handler: props.handlerExport ?? 'handler',
      ...(props.description ? { description: props.description } : {}),
      projectRoot: fromRepoRoot('.'),
      depsLockFilePath: fromRepoRoot('package-lock.json'),
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
      // Set explicitly below (AWS_NODEJS_CONNECTION_REUSE_ENABLED), for every runtime alike.
      awsSdkConnectionReuse: false,
      bundling: {
        format: nodejs.OutputFormat.ESM,
        mainFields: ['module', 'main'],
        // Bundled CommonJS dependencies may call require(): give the ESM bundle one.
        banner:
          "import { createRequire as __careguideCreateRequire } from 'node:module'; const require = __careguideCreateRequire(import.meta.url);",
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        // The SDK is bundled at the locked version the tests ran against, not taken from the runtime.
        bundleAwsSDK: true,
        tsconfig: fromRepoRoot('tsconfig.json'),
      },
    });

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
        id: 'HIPAA.Security-LambdaDLQ',
        reason:
          'Invoked synchronously by API Gateway: the caller receives the error, there is no async event to dead-letter.',
      },
      {
        id: 'Serverless-LambdaDLQ',
        reason:
          'Invoked synchronously by API Gateway: the caller receives the error, there is no async event to dead-letter.',
      },
      {
        id: 'HIPAA.Security-LambdaInsideVPC',
        reason:
          'The function reaches only AWS APIs (DynamoDB, Bedrock, CloudWatch, X-Ray) over TLS with SigV4 auth and no ' +
          'private resources exist; a VPC would add NAT or interface endpoints and cold-start latency, not protection.',
      },
      {
        id: 'HIPAA.Security-LambdaConcurrency',
        reason:
          'Reserved concurrency would cap or starve other functions in the account; load is bounded by the HTTP API ' +
          'stage throttle and per-user limits, and Lambda throttles are alarmed by the monitoring construct.',
      },
      {
        id: 'HIPAA.Security-CloudWatchLogGroupEncrypted',
        reason:
          'Logs carry no health information by design (DESIGN §7: ids, sizes, timings, error codes only); CloudWatch ' +
          'Logs encrypts them at rest with service-managed keys, so a customer-managed key would protect no PHI.',
      },
    );
  }

  /** Sets one env var of the function; the name must be one the handlers' config schema (or Powertools) reads. */
  setEnvironment(name: FunctionEnvName, value: string): void {
    this.function.addEnvironment(name, value);
  }

  /**
   * Gives the function a table: its name in `envVar` and, in the same call, the least grant —
   * RO: item reads (no Scan); RW: item reads and writes. Never table management, streams or `*`.
   */
  bindTable(table: dynamodb.ITable, access: TableAccess, envVar: TableEnvName): void {
    this.setEnvironment(envVar, table.tableName);
    table.grant(this.function, ...tableActions(access));
    // Table.grant adds `<table arn>/index/*` when the table has GSIs: queries by index need it.
    const tableArn = Stack.of(this).resolve(table.tableArn) as unknown;
    const logicalId = ApiFunction.getAttLogicalId(tableArn);
    if (logicalId) {
      Validations.of(this).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>/index/*]`,
        reason:
          "The wildcard covers only this one table's own secondary indexes (`<table arn>/index/*`), which " +
          'queries by GSI need; the actions are the explicit item reads/writes of this function.',
      });
    }
  }

  /**
   * Lets the function call `bedrockModelId` (ConverseStream and Converse) and nothing else.
   * Foundation-model ids are granted on that model's ARN in this region; cross-region
   * inference profiles (`us.`, `eu.`, `apac.`, `global.` prefixes) on the profile and the
   * underlying model in the regions the profile routes to.
   */
  bindModel(): void {
    const stack = Stack.of(this);
    const modelId = this.config.bedrockModelId;
    const profile = /^(us|eu|apac|global)\.(.+)$/.exec(modelId);
    const actions = ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'];
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
