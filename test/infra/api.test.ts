import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { accessTables } from '../../infra/constructs/function-access';
import { auditTable, chatTable, streamsTable, tableDefinitions } from '../../shared/data/table-definitions';
import { deployedRoutes, routeTable } from '../../shared/routes/route-table';
import {
  actionsOf,
  allStatements,
  type CfnResourceJson,
  functionEnvironment,
  logicalIdOf,
  resourceOf,
  statementsOfRole,
  synthStack,
} from './synth';

const dev = synthStack({ stage: 'dev', logLevel: 'DEBUG', cancelPollIntervalMs: '300' });
const { stack, template } = dev;

const httpRoutes = deployedRoutes().filter((route) => route.kind === 'http');
const routeKey = (route: { method: string; path: string }) => `${route.method} ${route.path}`;
/** The one authorizer of the API (HttpUserPoolAuthorizer creates it when the first route binds it). */
const authorizerId = (() => {
  const ids = Object.keys(
    template.findResources('AWS::ApiGatewayV2::Authorizer', {
      Properties: { ApiId: { Ref: logicalIdOf(stack.api.httpApi) } },
    }),
  );
  if (ids.length !== 1 || !ids[0]) throw new Error(`expected one authorizer, found ${ids.length}`);
  return ids[0];
})();

const functionOf = (routeId: string) => {
  const fn = stack.api.functions.get(routeId);
  if (!fn) throw new Error(`no function for route ${routeId}`);
  return fn;
};
const functionJson = (routeId: string) => resourceOf(template, logicalIdOf(functionOf(routeId).function));
const envOf = (routeId: string) => functionEnvironment(template, functionOf(routeId).function);
const statementsOf = (routeId: string) => statementsOfRole(template, logicalIdOf(functionOf(routeId).role));
/** The HTTP API's routes (the WebSocket API's are tested in websocket.test.ts). */
const routeResources = () =>
  Object.values(
    template.findResources('AWS::ApiGatewayV2::Route', {
      Properties: { ApiId: { Ref: logicalIdOf(stack.api.httpApi) } },
    }),
  ) as CfnResourceJson[];

const READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'];
const WRITE_ACTIONS = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
];

describe('the JWT authorizer', () => {
  it("trusts the user pool's issuer and the app client's audience", () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: {
        Audience: [{ Ref: logicalIdOf(stack.auth.userPoolClient) }],
        Issuer: {
          'Fn::Join': [
            '',
            Match.arrayWith([
              'https://cognito-idp.',
              { Ref: 'AWS::Region' },
              '.amazonaws.com/',
              { Ref: logicalIdOf(stack.auth.userPool) },
            ]),
          ],
        },
      },
    });
  });
});

describe('the routes', () => {
  it('are exactly the deployed http routes of the route table', () => {
    const keys = routeResources().map((route) => route.Properties?.RouteKey);

    expect(keys.sort()).toEqual(httpRoutes.map(routeKey).sort());
  });

  it('never deploy a local-only route such as POST /local/token', () => {
    const localOnly = routeTable.filter((route) => route.localOnly);
    const keys = routeResources().map((route) => route.Properties?.RouteKey);

    expect(localOnly.map(routeKey)).toContain('POST /local/token');
    for (const route of localOnly) {
      expect(keys).not.toContain(routeKey(route));
      expect(stack.api.functions.has(route.id)).toBe(false);
    }
  });

  it('never put a streaming route behind the buffered HTTP API', () => {
    const keys = routeResources().map((route) => route.Properties?.RouteKey);

    for (const route of routeTable.filter((candidate) => candidate.kind === 'stream')) {
      expect(keys).not.toContain(routeKey(route));
    }
  });

  it.each(httpRoutes.filter((route) => route.auth === 'jwt'))(
    '$method $path requires a JWT from the Cognito authorizer',
    (route) => {
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: routeKey(route),
        AuthorizationType: 'JWT',
        AuthorizerId: { Ref: authorizerId },
      });
    },
  );

  it.each(httpRoutes.filter((route) => route.auth === 'none'))('$method $path is public', (route) => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: routeKey(route),
      AuthorizationType: 'NONE',
      AuthorizerId: Match.absent(),
    });
  });

  it.each(httpRoutes)('$method $path invokes its own function', (route) => {
    const routeJson = routeResources().find(
      (candidate) => candidate.Properties?.RouteKey === routeKey(route),
    );
    const target = JSON.stringify(routeJson?.Properties?.Target);
    const integrationId = /"Ref":"([^"]+)"/.exec(target)?.[1] ?? '';
    const integration = resourceOf(template, integrationId);

    expect(integration.Properties).toMatchObject({
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
      IntegrationUri: { 'Fn::GetAtt': [logicalIdOf(functionOf(route.id).function), 'Arn'] },
    });
  });
});

describe('each route function', () => {
  it.each(httpRoutes)('$id runs Node.js 24 on arm64 with active tracing and JSON logs', (route) => {
    expect(functionJson(route.id).Properties).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      Handler: `index.${route.handler.export}`,
      MemorySize: 512,
      Timeout: 10,
      LoggingConfig: {
        LogFormat: 'JSON',
        ApplicationLogLevel: 'DEBUG',
        LogGroup: { Ref: logicalIdOf(functionOf(route.id).logGroup) },
      },
    });
  });

  it.each(httpRoutes)('$id logs to its own log group with the configured retention', (route) => {
    const logGroup = resourceOf(template, logicalIdOf(functionOf(route.id).logGroup));

    expect(logGroup.Properties?.RetentionInDays).toBe(30);
  });

  it.each(httpRoutes)('$id gets the Powertools, auth and app configuration env vars', (route) => {
    expect(envOf(route.id)).toMatchObject({
      NODE_OPTIONS: '--enable-source-maps',
      AWS_NODEJS_CONNECTION_REUSE_ENABLED: '1',
      POWERTOOLS_SERVICE_NAME: 'careguide-chat',
      POWERTOOLS_METRICS_NAMESPACE: 'CareGuide',
      POWERTOOLS_LOG_LEVEL: 'DEBUG',
      STAGE: 'dev',
      APP_VERSION: expect.stringMatching(/^\d+\.\d+\.\d+/),
      AUTH_MODE: 'cognito',
      COGNITO_USER_POOL_ID: { Ref: logicalIdOf(stack.auth.userPool) },
      COGNITO_CLIENT_ID: { Ref: logicalIdOf(stack.auth.userPoolClient) },
      MODEL_PROVIDER: 'bedrock',
      CANCEL_POLL_INTERVAL_MS: '300',
      CORS_ALLOWED_ORIGINS: '*',
    });
  });

  it.each(httpRoutes)('$id gets a table name exactly for each table its route may access', (route) => {
    const env = envOf(route.id);

    for (const [key, definition] of [
      ['chatTable', chatTable],
      ['streamsTable', streamsTable],
    ] as const) {
      const table = stack.data.tableFor(definition);
      if (route.access[key]) {
        expect(env[definition.envVar]).toEqual({ Ref: logicalIdOf(table) });
      } else {
        expect(env[definition.envVar]).toBeUndefined();
      }
    }
  });

  it.each(httpRoutes)('$id may touch only the tables its route declares, as declared', (route) => {
    const statements = statementsOf(route.id).filter((statement) =>
      actionsOf(statement).some((action) => action.startsWith('dynamodb:')),
    );

    for (const definition of tableDefinitions) {
      const tableId = logicalIdOf(stack.data.tableFor(definition));
      const onTable = statements.filter((statement) =>
        JSON.stringify(statement.Resource).includes(`"${tableId}"`),
      );
      const actions = onTable.flatMap(actionsOf);
      if (definition === auditTable) {
        // Append-only: PutItem and ConditionCheckItem, Query for the listing; never a change or delete.
        const expected = {
          APPEND: ['dynamodb:ConditionCheckItem', 'dynamodb:PutItem'],
          READ_APPEND: ['dynamodb:ConditionCheckItem', 'dynamodb:PutItem', 'dynamodb:Query'],
        };
        const audit = route.access.auditTable;
        expect([...new Set(actions)].sort()).toEqual(audit ? expected[audit] : []);
        continue;
      }
      const accessKey = Object.entries(accessTables).find(([, table]) => table === definition)?.[0];
      const access = route.access[accessKey as Exclude<keyof typeof accessTables, 'auditTable'>];
      if (!access) {
        expect(onTable).toEqual([]);
        continue;
      }
      expect(actions).toEqual(expect.arrayContaining(READ_ACTIONS));
      if (access === 'RW') expect(actions).toEqual(expect.arrayContaining(WRITE_ACTIONS));
      else for (const write of WRITE_ACTIONS) expect(actions).not.toContain(write);
      expect(actions).not.toContain('dynamodb:Scan');
    }
  });

  it.each(httpRoutes.filter((route) => !route.access.invokeModel))('$id cannot call Bedrock', (route) => {
    const actions = statementsOf(route.id).flatMap(actionsOf);

    expect(actions.filter((action) => action.startsWith('bedrock:'))).toEqual([]);
  });
});

describe('the health functions', () => {
  it.each(['getReadiness', 'getHealth'])('%s can only read the chat table', (routeId) => {
    const statements = statementsOf(routeId);
    const dynamoActions = statements.flatMap(actionsOf).filter((action) => action.startsWith('dynamodb:'));
    const chatTableId = logicalIdOf(stack.data.tableFor(chatTable));

    expect(dynamoActions).toEqual(expect.arrayContaining(['dynamodb:GetItem']));
    for (const forbidden of [
      ...WRITE_ACTIONS,
      'dynamodb:Scan',
      'dynamodb:DeleteTable',
      'dynamodb:UpdateTable',
    ]) {
      expect(dynamoActions).not.toContain(forbidden);
    }
    for (const statement of statements.filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')))) {
      expect(JSON.stringify(statement.Resource)).toContain(`"${chatTableId}"`);
    }
  });

  it('getLiveness touches no table', () => {
    const actions = statementsOf('getLiveness').flatMap(actionsOf);

    expect(actions.filter((action) => action.startsWith('dynamodb:'))).toEqual([]);
  });
});

describe('IAM across the stack', () => {
  it('has no statement allowing "*" or a whole service ("service:*")', () => {
    const actions = allStatements(template).flatMap(actionsOf);

    expect(actions.length).toBeGreaterThan(0);
    for (const action of actions) {
      expect(action).not.toBe('*');
      expect(action).not.toMatch(/^[a-z0-9-]+:\*$/i);
    }
  });

  it('allows Resource "*" only for the X-Ray actions, which have no resource-level permissions', () => {
    const onEverything = allStatements(template).filter(
      (statement) => JSON.stringify(statement.Resource) === '"*"',
    );

    expect(onEverything.length).toBeGreaterThan(0);
    for (const statement of onEverything) {
      expect(actionsOf(statement).sort()).toEqual(['xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
    }
  });

  it('has no inline policies (HIPAA): every grant is a customer-managed policy', () => {
    template.resourceCountIs('AWS::IAM::Policy', 0);
    for (const role of Object.values(template.findResources('AWS::IAM::Role')) as CfnResourceJson[]) {
      expect(role.Properties?.Policies).toBeUndefined();
      // One exception: the role API Gateway writes WebSocket logs with holds the AWS-managed policy made for it.
      const apiGatewayLogs = JSON.stringify(role.Properties?.AssumeRolePolicyDocument).includes(
        'apigateway.amazonaws.com',
      );
      if (apiGatewayLogs)
        expect(JSON.stringify(role.Properties?.ManagedPolicyArns)).toContain(
          ':iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs',
        );
      else expect(role.Properties?.ManagedPolicyArns).toBeUndefined();
    }
  });
});

describe('the $default stage', () => {
  it('auto-deploys with a throttle and JSON access logs to a log group with retention', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: Match.objectLike({
        ThrottlingRateLimit: Match.anyValue(),
        ThrottlingBurstLimit: Match.anyValue(),
      }),
      AccessLogSettings: {
        DestinationArn: { 'Fn::GetAtt': [logicalIdOf(stack.api.accessLogGroup), 'Arn'] },
        Format: Match.stringLikeRegexp('"requestId":"\\$context.requestId"'),
      },
    });
    expect(resourceOf(template, logicalIdOf(stack.api.accessLogGroup)).Properties?.RetentionInDays).toBe(30);
  });

  it('answers CORS preflights for the configured origins', () => {
    const prod = synthStack({
      stage: 'prod',
      corsAllowedOrigins: 'https://app.example.com,https://admin.example.com',
    });

    prod.template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'HTTP',
      CorsConfiguration: Match.objectLike({
        AllowOrigins: ['https://app.example.com', 'https://admin.example.com'],
        AllowHeaders: Match.arrayWith(['authorization', 'content-type']),
        AllowCredentials: false,
      }),
    });
  });
});

describe('the stack outputs', () => {
  it('give the API URL, user pool id and client id', () => {
    template.hasOutput('ApiUrl', {
      Value: { 'Fn::Join': ['', Match.arrayWith(['https://', { Ref: logicalIdOf(stack.api.httpApi) }])] },
    });
    template.hasOutput('UserPoolId', { Value: { Ref: logicalIdOf(stack.auth.userPool) } });
    template.hasOutput('UserPoolClientId', { Value: { Ref: logicalIdOf(stack.auth.userPoolClient) } });
  });
});
