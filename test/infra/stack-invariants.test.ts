import { describe, expect, it } from 'vitest';
import { auditTable } from '../../shared/data/table-definitions';
import { deployedRoutes } from '../../shared/routes/route-table';
import {
  actionsOf,
  type CfnResourceJson,
  functionEnvironment,
  logicalIdOf,
  propertiesOf,
  resourcesOfType,
  statementsEverywhere,
  synthStack,
} from './synth';

/** The invariants DESIGN §7 asks of the whole stack, checked on every resource rather than per construct. */
const contexts = [
  { stage: 'dev', logLevel: 'WARN', alarmEmail: 'oncall@example.com' },
  {
    stage: 'prod',
    corsAllowedOrigins: 'https://app.example.com',
    logLevel: 'INFO',
    streamReservedConcurrency: '20',
    bedrockModelId: 'us.anthropic.claude-3-haiku-20240307-v1:0',
  },
];

describe.each(contexts)('the $stage stack', (context) => {
  const { stack, template } = synthStack(context);
  const functions = [
    ...stack.api.functions.values(),
    ...[...stack.streaming.endpoints.values()].map((endpoint) => endpoint.function),
    ...[...stack.maintenance.jobs.values()].map((job) => job.function),
    stack.webSocket.authorizerFunction,
    ...stack.webSocket.routeFunctions.values(),
    stack.webSocket.fanOut,
  ];

  it('allows no "*" action and no whole service ("service:*") in any policy: IAM, key, topic or queue', () => {
    const statements = statementsEverywhere(template);

    expect(statements.length).toBeGreaterThan(0);
    for (const statement of statements.filter((s) => s.Effect === 'Allow')) {
      for (const action of actionsOf(statement)) {
        expect(action, `${statement.resource} allows ${action}`).not.toBe('*');
        expect(action, `${statement.resource} allows ${action}`).not.toMatch(/^[a-z0-9-]+:\*$/i);
      }
    }
    for (const permission of resourcesOfType(template, 'AWS::Lambda::Permission')) {
      expect(permission[1].Properties?.Action).toMatch(/^lambda:Invoke(Function|FunctionUrl)$/);
    }
  });

  it('lets no policy change or delete an audit event: only PutItem, ConditionCheckItem and Query on the audit table', () => {
    const auditTableId = logicalIdOf(stack.data.tableFor(auditTable));
    const onAudit = statementsEverywhere(template).filter(
      (statement) =>
        statement.Effect === 'Allow' &&
        String(JSON.stringify(statement.Resource)).includes(`"${auditTableId}"`),
    );

    expect(onAudit.length).toBeGreaterThan(0);
    const allowed = new Set(onAudit.flatMap(actionsOf));
    expect([...allowed].sort()).toEqual([
      'dynamodb:ConditionCheckItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
    ]);
  });

  it('denies with a wildcard only to refuse requests without TLS', () => {
    for (const statement of statementsEverywhere(template).filter((s) => s.Effect === 'Deny')) {
      expect(statement.Condition, statement.resource).toEqual({ Bool: { 'aws:SecureTransport': 'false' } });
    }
  });

  it('sets a retention on every log group', () => {
    const logGroups = resourcesOfType(template, 'AWS::Logs::LogGroup');

    expect(logGroups.length).toBeGreaterThan(functions.length);
    for (const [logicalId, logGroup] of logGroups) {
      expect(logGroup.Properties?.RetentionInDays, logicalId).toBe(context.stage === 'dev' ? 30 : 365);
    }
  });

  it('has no Lambda function but the app’s own (no CDK helper function without log retention)', () => {
    const appFunctionIds = functions.map((fn) => logicalIdOf(fn.function)).sort();

    expect(
      resourcesOfType(template, 'AWS::Lambda::Function')
        .map(([id]) => id)
        .sort(),
    ).toEqual(appFunctionIds);
  });

  it.each(['api', 'function-url', 'event-source', 'schedule'])(
    'logs every %s function as JSON to its own log group, at the configured level',
    (invocation) => {
      const ofKind = functions.filter((fn) => fn.invocation === invocation);

      expect(ofKind.length).toBeGreaterThan(0);
      for (const fn of ofKind) {
        const properties = propertiesOf(template, logicalIdOf(fn.function));
        expect(properties.LoggingConfig).toMatchObject({
          LogFormat: 'JSON',
          ApplicationLogLevel: context.logLevel,
          LogGroup: { Ref: logicalIdOf(fn.logGroup) },
        });
        expect(functionEnvironment(template, fn.function).POWERTOOLS_LOG_LEVEL).toBe(context.logLevel);
      }
    },
  );

  it('puts every route but the health probes behind the JWT authorizer (walking the route table)', () => {
    const [[authorizerId] = ['']] = resourcesOfType(template, 'AWS::ApiGatewayV2::Authorizer');
    const routes = new Map(
      resourcesOfType(template, 'AWS::ApiGatewayV2::Route').map(([, route]: [string, CfnResourceJson]) => [
        route.Properties?.RouteKey,
        route.Properties,
      ]),
    );
    // Not trusting each route's own `auth`: only the health area may be public.
    const publicPaths = ['/healthz', '/readyz', '/api/health'];

    for (const route of deployedRoutes().filter((candidate) => candidate.kind === 'http')) {
      const deployed = routes.get(`${route.method} ${route.path}`);
      if (publicPaths.includes(route.path)) {
        expect(route.tags).toContain('health');
        expect(deployed).toMatchObject({ AuthorizationType: 'NONE' });
      } else {
        expect(deployed, `${route.method} ${route.path}`).toMatchObject({
          AuthorizationType: 'JWT',
          AuthorizerId: { Ref: authorizerId },
        });
      }
    }
  });

  it('gives every function the audit and room retention of the deploy configuration (6 years, 30 days)', () => {
    for (const fn of functions) {
      expect(functionEnvironment(template, fn.function)).toMatchObject({
        AUDIT_RETENTION_DAYS: '2190',
        DEFAULT_RETENTION_DAYS: '30',
      });
    }
  });

  it('verifies the JWT in the handler of every streamed route (function URLs have no authorizer)', () => {
    for (const endpoint of stack.streaming.endpoints.values()) {
      expect(endpoint.route.auth).toBe('jwt');
      expect(functionEnvironment(template, endpoint.function.function)).toMatchObject({
        AUTH_MODE: 'cognito',
        COGNITO_USER_POOL_ID: { Ref: logicalIdOf(stack.auth.userPool) },
        COGNITO_CLIENT_ID: { Ref: logicalIdOf(stack.auth.userPoolClient) },
      });
    }
  });

  it('gives every function the same limits from the deploy configuration', () => {
    for (const fn of functions) {
      expect(functionEnvironment(template, fn.function)).toMatchObject({
        STREAM_MAX_DURATION_SECONDS: '600',
        MAX_LIVE_STREAMS_PER_USER: '5',
        MAX_LIVE_ROOMS_PER_USER: '50',
        ROOM_CREATE_LIMIT_PER_HOUR: '10',
        CANCEL_POLL_INTERVAL_MS: '100',
      });
    }
  });

  it('outputs what the deploy guide and the smoke test read', () => {
    const outputs = Object.keys(template.toJSON().Outputs ?? {});

    expect(outputs).toEqual(
      expect.arrayContaining([
        'ApiUrl',
        'StreamUrl',
        'StreamUrlStreamEvents',
        'UserPoolId',
        'UserPoolClientId',
        'Region',
        'AlarmTopicArn',
      ]),
    );
  });
});
