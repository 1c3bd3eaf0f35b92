import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { chatTable, connectionsTable, streamsTable } from '../../shared/data/table-definitions';
import { fanOutSubscriptions, filterPatternOf } from '../../shared/realtime/change-subscriptions';
import { webSocketRoutes } from '../../shared/realtime/websocket-functions';
import {
  actionsOf,
  functionEnvironment,
  logicalIdOf,
  propertiesOf,
  resourcesOfType,
  statementsOfRole,
  synthStack,
} from './synth';

const { stack, template } = synthStack({ stage: 'dev' });
const ws = stack.webSocket;
const apiRef = { Ref: logicalIdOf(ws.api) };
const tableRef = (definition: typeof chatTable) => ({ Ref: logicalIdOf(stack.data.tableFor(definition)) });
const streamArnOf = (definition: typeof chatTable) => ({
  'Fn::GetAtt': [logicalIdOf(stack.data.tableFor(definition)), 'StreamArn'],
});
const routeFunction = (routeKey: string) => {
  const fn = ws.routeFunctions.get(routeKey);
  if (!fn) throw new Error(`no function for ${routeKey}`);
  return fn;
};
const roleActions = (fn: { role: Parameters<typeof logicalIdOf>[0] }) =>
  statementsOfRole(template, logicalIdOf(fn.role));

describe('the WebSocket API', () => {
  it('is a WEBSOCKET API routing on the body `action`', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'WEBSOCKET',
      RouteSelectionExpression: '$request.body.action',
    });
  });

  it('authorizes $connect with a Lambda REQUEST authorizer reading ?token= (the shared JWT verifier)', () => {
    const [authorizerId, authorizer] = resourcesOfType(template, 'AWS::ApiGatewayV2::Authorizer').find(
      ([, resource]) => JSON.stringify(resource.Properties?.ApiId) === JSON.stringify(apiRef),
    ) ?? ['', undefined];
    expect(authorizer?.Properties).toMatchObject({
      AuthorizerType: 'REQUEST',
      IdentitySource: ['route.request.querystring.token'],
    });
    expect(JSON.stringify(authorizer?.Properties?.AuthorizerUri)).toContain(
      logicalIdOf(ws.authorizerFunction.function),
    );
    expect(functionEnvironment(template, ws.authorizerFunction.function)).toMatchObject({
      AUTH_MODE: 'cognito',
      COGNITO_USER_POOL_ID: { Ref: logicalIdOf(stack.auth.userPool) },
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      ApiId: apiRef,
      RouteKey: '$connect',
      AuthorizationType: 'CUSTOM',
      AuthorizerId: { Ref: authorizerId },
    });
  });

  it('has $connect, $disconnect and a two-way $default, each on its own function', () => {
    for (const route of webSocketRoutes) {
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', { ApiId: apiRef, RouteKey: route.routeKey });
      expect(functionEnvironment(template, routeFunction(route.routeKey).function)).toBeDefined();
    }
    template.hasResourceProperties('AWS::ApiGatewayV2::RouteResponse', {
      ApiId: apiRef,
      RouteResponseKey: '$default',
    });
  });

  it('logs access as JSON without the query string (the token rides in it) or the source IP', () => {
    const stage = propertiesOf(template, logicalIdOf(ws.stage));
    const settings = stage.AccessLogSettings as { Format: string; DestinationArn: unknown };
    expect(settings.DestinationArn).toEqual({ 'Fn::GetAtt': [logicalIdOf(ws.accessLogGroup), 'Arn'] });
    const format = JSON.parse(settings.Format) as Record<string, string>;
    expect(format).toMatchObject({ connectionId: '$context.connectionId', routeKey: '$context.routeKey' });
    expect(settings.Format).not.toMatch(/querystring|requestOverride|sourceIp|\$input/i);
    expect(stage.DefaultRouteSettings).toMatchObject({ ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 });
  });

  it('gives $connect and $disconnect the connections table, and nothing else', () => {
    for (const routeKey of ['$connect', '$disconnect']) {
      const fn = routeFunction(routeKey);
      const env = functionEnvironment(template, fn.function);
      expect(env.CONNECTIONS_TABLE_NAME).toEqual(tableRef(connectionsTable));
      expect(env.CHAT_TABLE_NAME).toBeUndefined();
      expect(env.STREAMS_TABLE_NAME).toBeUndefined();
      expect(
        roleActions(fn)
          .flatMap(actionsOf)
          .filter((action) => action.startsWith('execute-api:')),
      ).toEqual([]);
    }
    expect(
      functionEnvironment(template, routeFunction('$connect').function).WEBSOCKET_MANAGEMENT_ENDPOINT,
    ).toBeDefined();
    for (const fn of [ws.authorizerFunction, routeFunction('$default')]) {
      expect(
        roleActions(fn)
          .flatMap(actionsOf)
          .filter((action) => action.startsWith('dynamodb:')),
      ).toEqual([]);
    }
  });

  it('outputs WebSocketUrl', () => {
    template.hasOutput('WebSocketUrl', Match.objectLike({ Value: Match.anyValue() }));
  });
});

describe('the fan-out', () => {
  const fanOut = ws.fanOut;
  const statements = roleActions(fanOut);

  it('may post to the connections of this API and stage only (execute-api:ManageConnections, POST)', () => {
    const manage = statements.filter((statement) =>
      actionsOf(statement).some((a) => a.startsWith('execute-api:')),
    );
    expect(manage).toHaveLength(1);
    expect(actionsOf(manage[0] as never)).toEqual(['execute-api:ManageConnections']);
    expect(JSON.stringify(manage[0]?.Resource)).toContain(JSON.stringify(apiRef));
    expect(JSON.stringify(manage[0]?.Resource)).toContain('/dev/POST/@connections/*');
  });

  it('reads the chat and ActiveStreams table streams and the connections table; no Scan, no Bedrock', () => {
    const env = functionEnvironment(template, fanOut.function);
    expect(env.CONNECTIONS_TABLE_NAME).toEqual(tableRef(connectionsTable));
    expect(env.WEBSOCKET_MANAGEMENT_ENDPOINT).toEqual({
      'Fn::Join': ['', expect.arrayContaining([apiRef, '/dev'])],
    });
    const streamReads = statements.filter((statement) =>
      actionsOf(statement).includes('dynamodb:GetRecords'),
    );
    expect(streamReads.flatMap((statement) => statement.Resource)).toEqual(
      expect.arrayContaining([streamArnOf(chatTable), streamArnOf(streamsTable)]),
    );
    const actions = statements.flatMap(actionsOf);
    expect(actions).not.toContain('dynamodb:Scan');
    expect(actions.filter((action) => action.startsWith('bedrock:'))).toEqual([]);
  });

  it.each(fanOutSubscriptions.map((subscription) => [subscription.table.constructId, subscription] as const))(
    'is fed by the %s stream with the shared filters, bisect on error, retries, partial batch failures and a DLQ',
    (_id, subscription) => {
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: logicalIdOf(fanOut.function) },
        EventSourceArn: streamArnOf(subscription.table),
        StartingPosition: 'LATEST',
        BisectBatchOnFunctionError: true,
        MaximumRetryAttempts: 3,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        FilterCriteria: {
          Filters: subscription.filters.map((filter) => ({
            Pattern: JSON.stringify(filterPatternOf(subscription.table, filter)),
          })),
        },
        DestinationConfig: {
          OnFailure: { Destination: { 'Fn::GetAtt': [logicalIdOf(ws.fanOutDeadLetterQueue), 'Arn'] } },
        },
      });
    },
  );

  it('reads a streams table that now has a stream (NEW_AND_OLD_IMAGES) and a connections table with TTL', () => {
    expect(
      propertiesOf(template, logicalIdOf(stack.data.tableFor(streamsTable))).StreamSpecification,
    ).toEqual({
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    });
    expect(propertiesOf(template, logicalIdOf(stack.data.tableFor(connectionsTable)))).toMatchObject({
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });
});

describe('monitoring of the WebSocket API', () => {
  it('alarms on fan-out errors, management API failures, dead letters and stream lag', () => {
    for (const id of [
      'WebSocketFanOutErrors',
      'WebSocketPostFailures',
      'WebSocketFanOutDeadLetters',
      'WebSocketFanOutIteratorAge',
    ]) {
      expect(stack.monitoring.alarms.has(id), id).toBe(true);
    }
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'WebSocketPostFailures',
      Namespace: 'CareGuide',
      Threshold: 10,
    });
  });

  it('shows connections and events sent on the dashboard', () => {
    const body = JSON.stringify(
      propertiesOf(template, logicalIdOf(stack.monitoring.dashboard)).DashboardBody,
    );
    expect(body).toContain('WebSocket: connections');
    expect(body).toContain('ConnectCount');
    expect(body).toContain('WebSocketEventsSent');
  });
});
