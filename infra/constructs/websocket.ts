import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { AccessLogFormat, CfnAccount } from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { filterPatternOf } from '../../shared/realtime/change-subscriptions';
import {
  type StreamFunction,
  type WebSocketFunction,
  webSocketAuthorizer,
  webSocketFanOut,
  webSocketRoutes,
} from '../../shared/realtime/websocket-functions';
import type { DeployConfig } from '../deploy-config';
import { ApiFunction, type FunctionInvocation } from './api-function';
import type { Auth } from './auth';
import type { Data } from './data';
import { bindAccess, constructIdOf } from './function-access';

export interface WebSocketProps {
  readonly config: DeployConfig;
  readonly data: Data;
  readonly auth: Auth;
  /** Stage-wide throttle of connects and messages. @default { rateLimit: 50, burstLimit: 100 } */
  readonly throttle?: { readonly rateLimit: number; readonly burstLimit: number };
}

/** A change older than this is not worth pushing any more (clients re-read on reconnect). */
const FAN_OUT_MAX_RECORD_AGE = Duration.hours(1);
const FAN_OUT_RETRY_ATTEMPTS = 3;

/**
 * Real-time events (DESIGN "Real-time events"): an API Gateway WebSocket API whose `$connect`
 * is guarded by a Lambda REQUEST authorizer (the JWT in `?token=`, verified by the same module
 * as everywhere), `$disconnect` and a two-way `$default` (ping → pong); and the fan-out, fed by
 * the chat table's and the ActiveStreams table's streams through filtered event source
 * mappings, posting through the management API to this API's connections only.
 * The functions and their access come from shared/realtime/websocket-functions.ts, which the
 * local gateway runs too.
 */
export class WebSocket extends Construct {
  readonly api: apigwv2.WebSocketApi;
  readonly stage: apigwv2.WebSocketStage;
  readonly accessLogGroup: logs.LogGroup;
  readonly authorizerFunction: ApiFunction;
  /** By route key (`$connect`, `$disconnect`, `$default`). */
  readonly routeFunctions: ReadonlyMap<string, ApiFunction>;
  readonly fanOut: ApiFunction;
  readonly fanOutDeadLetterQueue: sqs.Queue;
  /** By table construct id (`ChatTable`, `ActiveStreamsTable`). */
  readonly eventSourceMappings: ReadonlyMap<string, lambda.EventSourceMapping>;
  /** What the fan-out posts to: `https://<api>.execute-api.<region>.<suffix>/<stage>`. */
  readonly managementEndpoint: string;

  constructor(scope: Construct, id: string, props: WebSocketProps) {
    super(scope, id);
    const { config, data, auth } = props;
    const stack = Stack.of(this);
    const stageName = config.stage;

    const makeFunction = (fn: WebSocketFunction, invocation: FunctionInvocation = 'api') => {
      const built = new ApiFunction(this, `${constructIdOf(fn.id)}Function`, {
        entry: fn.handler.entry,
        handlerExport: fn.handler.export,
        description: `WebSocket: ${fn.summary}`.slice(0, 256),
        config,
        userPool: auth.userPool,
        userPoolClient: auth.userPoolClient,
        invocation,
        ...(invocation === 'event-source' ? { timeout: Duration.seconds(60) } : {}),
      });
      bindAccess(built, fn.access, data);
      return built;
    };

    this.authorizerFunction = makeFunction(webSocketAuthorizer);
    const authorizer = new WebSocketLambdaAuthorizer('TokenAuthorizer', this.authorizerFunction.function, {
      // Browsers cannot set headers on a WebSocket: the token comes in the query string. Without
      // one, API Gateway answers 401 and never calls the function.
      identitySource: ['route.request.querystring.token'],
    });

    const routeFunctions = new Map<string, ApiFunction>();
    for (const route of webSocketRoutes) routeFunctions.set(route.routeKey, makeFunction(route));
    this.routeFunctions = routeFunctions;
    const integrationFor = (routeKey: string) => {
      const fn = routeFunctions.get(routeKey);
      if (!fn) throw new Error(`websocket-functions.ts declares no ${routeKey} route`);
      return new WebSocketLambdaIntegration(`${routeKey.slice(1)}Integration`, fn.function);
    };

    this.api = new apigwv2.WebSocketApi(this, 'Api', {
      apiName: `careguide-events-${config.stage}`,
      description: `CareGuide real-time events (${config.stage})`,
      routeSelectionExpression: '$request.body.action',
      connectRouteOptions: { integration: integrationFor('$connect'), authorizer },
      disconnectRouteOptions: { integration: integrationFor('$disconnect') },
      // Two-way: the function's answer (pong, error) goes back to the client without a management call.
      defaultRouteOptions: { integration: integrationFor('$default'), returnResponse: true },
    });

    for (const routeKey of ['$disconnect', '$default']) {
      Validations.of(this.api.node.findChild(`${routeKey}-Route`)).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          'API Gateway WebSocket APIs authorize only $connect (here: the Lambda REQUEST authorizer with the JWT); ' +
          "every later route runs on that authorized connection and carries the authorizer's context (sub).",
      });
    }

    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogs', {
      retention: config.logRetention,
      removalPolicy: config.removalPolicy,
    });
    Validations.of(this.accessLogGroup).acknowledge({
      id: 'HIPAA.Security-CloudWatchLogGroupEncrypted',
      reason:
        'WebSocket access log lines hold request and connection ids, event type, route, status and timings only ' +
        '(never the query string with its token, a source IP or a message); CloudWatch Logs encrypts them at rest ' +
        'with service-managed keys, so a customer-managed key would protect no PHI.',
    });
    // WebSocket (unlike HTTP) APIs log through the region's API Gateway account setting: a role
    // API Gateway assumes to write CloudWatch Logs. It is retained with the stack deleted, since
    // the account setting (shared by every API of the region) keeps pointing at it.
    const logsRole = new iam.Role(this, 'ApiGatewayLogsRole', {
      assumedBy: new iam.ServicePrincipal('apigateway.amazonaws.com'),
      managedPolicies: [
        iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AmazonAPIGatewayPushToCloudWatchLogs'),
      ],
    });
    logsRole.applyRemovalPolicy(RemovalPolicy.RETAIN);
    Validations.of(logsRole).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      reason:
        'The AWS-managed policy made for exactly this role (API Gateway writing its own log groups); AWS keeps it current.',
    });
    const account = new CfnAccount(this, 'ApiGatewayAccount', { cloudWatchRoleArn: logsRole.roleArn });
    const throttle = props.throttle ?? { rateLimit: 50, burstLimit: 100 };
    const stage = new apigwv2.WebSocketStage(this, 'Stage', {
      webSocketApi: this.api,
      stageName,
      autoDeploy: true,
      throttle,
      detailedMetricsEnabled: true,
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(this.accessLogGroup),
        // No `$context.requestOverride`/query string: the token rides in it.
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            requestTime: '$context.requestTimeEpoch',
            connectionId: '$context.connectionId',
            eventType: '$context.eventType',
            routeKey: '$context.routeKey',
            status: '$context.status',
            integrationLatency: '$context.integrationLatency',
            integrationStatus: '$context.integrationStatus',
            error: '$context.error.message',
            authorizerError: '$context.authorizer.error',
          }),
        ),
      },
    });
    stage.node.addDependency(account);
    this.stage = stage;

    // Built from the API id and the stage's name, not from the stage object: the functions' env
    // would otherwise depend on the deployment, which depends on the functions' integrations.
    this.managementEndpoint = `https://${this.api.apiId}.execute-api.${stack.region}.${stack.urlSuffix}/${stageName}`;
    routeFunctions.get('$connect')?.setEnvironment('WEBSOCKET_MANAGEMENT_ENDPOINT', this.managementEndpoint);

    this.fanOut = makeFunction(webSocketFanOut, 'event-source');
    this.fanOut.setEnvironment('WEBSOCKET_MANAGEMENT_ENDPOINT', this.managementEndpoint);
    const connectionsArn = stack.formatArn({
      service: 'execute-api',
      resource: this.api.apiId,
      resourceName: `${stageName}/POST/@connections/*`,
    });
    // Post to this API's connections, nothing else (no GET/DELETE, no other API or stage).
    this.fanOut.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['execute-api:ManageConnections'], resources: [connectionsArn] }),
    );
    Validations.of(this.fanOut).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<${stack.getLogicalId(this.api.node.defaultChild as apigwv2.CfnApi)}>/${stageName}/POST/@connections/*]`,
      reason:
        'Connection ids are made by API Gateway at connect time; the wildcard covers only POST to the connections of ' +
        'this one API and stage (execute-api:ManageConnections, nothing else).',
    });

    this.fanOutDeadLetterQueue = new sqs.Queue(this, 'FanOutDeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    const dlqReason =
      'The dead-letter queue of the WebSocket fan-out: the end of its failure path, so it has no DLQ or redrive ' +
      'policy of its own; messages (shard and sequence numbers, no content) are kept 14 days.';
    Validations.of(this.fanOutDeadLetterQueue).acknowledge(
      { id: 'AwsSolutions-SQS3', reason: dlqReason },
      { id: 'Serverless-SQSRedrivePolicy', reason: dlqReason },
    );

    this.eventSourceMappings = this.subscribe(webSocketFanOut, data);
  }

  /** One filtered event source mapping per table the fan-out reads. */
  private subscribe(fanOut: StreamFunction, data: Data): ReadonlyMap<string, lambda.EventSourceMapping> {
    const mappings = new Map<string, lambda.EventSourceMapping>();
    for (const subscription of fanOut.subscriptions) {
      const table = data.tableFor(subscription.table);
      this.fanOut.bindTableStream(table);
      const mapping = new lambda.EventSourceMapping(this, `${subscription.table.constructId}FanOutSource`, {
        target: this.fanOut.function,
        eventSourceArn: table.tableStreamArn,
        // Live events: what happened before the mapping existed is of no use to an open socket.
        startingPosition: lambda.StartingPosition.LATEST,
        batchSize: fanOut.batchSize,
        maxBatchingWindow: Duration.seconds(0),
        filters: subscription.filters.map((filter) =>
          lambda.FilterCriteria.filter(filterPatternOf(subscription.table, filter)),
        ),
        bisectBatchOnError: true,
        retryAttempts: FAN_OUT_RETRY_ATTEMPTS,
        maxRecordAge: FAN_OUT_MAX_RECORD_AGE,
        reportBatchItemFailures: true,
        onFailure: new SqsDlq(this.fanOutDeadLetterQueue),
      });
      mappings.set(subscription.table.constructId, mapping);
    }
    return mappings;
  }

  /** `wss://<api>.execute-api.<region>.amazonaws.com/<stage>`: clients add `?token=<JWT>`. */
  get url(): string {
    return this.stage.url;
  }
}
