import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { Auth } from '../../infra/constructs/auth';
import { Data } from '../../infra/constructs/data';
import { Streaming } from '../../infra/constructs/streaming';
import { parseDeployConfig, STREAM_TIMEOUT_MARGIN_SECONDS } from '../../infra/deploy-config';
import { auditTable, chatTable, connectionsTable, streamsTable } from '../../shared/data/table-definitions';
import { corsAllowedHeaders, corsExposedHeaders, corsMaxAgeSeconds } from '../../shared/http/cors';
import { defineRoute } from '../../shared/routes/route-definition';
import { deployedRoutes } from '../../shared/routes/route-table';
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

const streamRoutes = deployedRoutes().filter((route) => route.kind === 'stream');
const dev = synthStack({
  stage: 'dev',
  streamMaxDurationSeconds: '480',
  bedrockModelId: 'amazon.nova-lite-v1:0',
});
const prod = synthStack({
  stage: 'prod',
  corsAllowedOrigins: 'https://app.example.com,https://admin.example.com',
  streamReservedConcurrency: '25',
});

const endpointOf = (synthesized: typeof dev, routeId: string) => {
  const endpoint = synthesized.stack.streaming.endpoints.get(routeId);
  if (!endpoint) throw new Error(`no stream endpoint for ${routeId}`);
  return endpoint;
};
const functionProps = (synthesized: typeof dev, routeId: string) =>
  propertiesOf(synthesized.template, logicalIdOf(endpointOf(synthesized, routeId).function.function));

describe('the route table', () => {
  it('has streamed routes for the chat answer and for resuming it, so the checks below are not vacuous', () => {
    expect(streamRoutes.map((route) => `${route.method} ${route.path}`)).toEqual(
      expect.arrayContaining(['POST /api/chat/message', 'GET /api/chat/streams/{stream_id}/events']),
    );
  });

  it('serves the resume route by a second function URL of its own, with both tables and no Bedrock', () => {
    const events = endpointOf(dev, 'streamEvents');
    const chat = endpointOf(dev, 'sendChatMessage');
    const env = functionEnvironment(dev.template, events.function.function);
    const actions = statementsOfRole(dev.template, logicalIdOf(events.function.role)).flatMap(actionsOf);

    expect(logicalIdOf(events.url)).not.toBe(logicalIdOf(chat.url));
    expect(env).toMatchObject({
      CHAT_TABLE_NAME: { Ref: logicalIdOf(dev.stack.data.tableFor(chatTable)) },
      STREAMS_TABLE_NAME: { Ref: logicalIdOf(dev.stack.data.tableFor(streamsTable)) },
    });
    expect(actions.filter((action) => action.startsWith('bedrock:'))).toEqual([]);
    dev.template.hasResourceProperties('AWS::Lambda::Url', {
      TargetFunctionArn: { 'Fn::GetAtt': [logicalIdOf(events.function.function), 'Arn'] },
      Cors: Match.objectLike({ AllowMethods: ['GET'], AllowHeaders: Match.arrayWith(['last-event-id']) }),
    });
  });
});

describe.each(streamRoutes)('the streamed route $method $path', (route) => {
  it('is served by a function URL in RESPONSE_STREAM mode with auth type NONE (the handler checks the JWT)', () => {
    const { function: fn } = endpointOf(dev, route.id);

    dev.template.hasResourceProperties('AWS::Lambda::Url', {
      TargetFunctionArn: { 'Fn::GetAtt': [logicalIdOf(fn.function), 'Arn'] },
      AuthType: 'NONE',
      InvokeMode: 'RESPONSE_STREAM',
    });
  });

  it('answers CORS with the one policy of shared/http/cors.ts and the configured origins', () => {
    const { function: fn } = endpointOf(prod, route.id);

    prod.template.hasResourceProperties('AWS::Lambda::Url', {
      TargetFunctionArn: { 'Fn::GetAtt': [logicalIdOf(fn.function), 'Arn'] },
      Cors: {
        AllowOrigins: ['https://app.example.com', 'https://admin.example.com'],
        AllowMethods: [route.method],
        AllowHeaders: [...corsAllowedHeaders],
        ExposeHeaders: [...corsExposedHeaders],
        AllowCredentials: false,
        MaxAge: corsMaxAgeSeconds,
      },
    });
  });

  it('may be invoked by anyone only through its function URL', () => {
    const functionId = logicalIdOf(endpointOf(dev, route.id).function.function);

    dev.template.hasResourceProperties('AWS::Lambda::Permission', {
      FunctionName: { 'Fn::GetAtt': [functionId, 'Arn'] },
      Action: 'lambda:InvokeFunctionUrl',
      Principal: '*',
      FunctionUrlAuthType: 'NONE',
    });
    dev.template.hasResourceProperties('AWS::Lambda::Permission', {
      FunctionName: { 'Fn::GetAtt': [functionId, 'Arn'] },
      Action: 'lambda:InvokeFunction',
      Principal: '*',
      InvokedViaFunctionUrl: true,
    });
  });

  it('times out only after the stream has reached its maximum duration and had time to wind down', () => {
    const properties = functionProps(dev, route.id);
    const env = functionEnvironment(dev.template, endpointOf(dev, route.id).function.function);

    expect(env.STREAM_MAX_DURATION_SECONDS).toBe('480');
    expect(properties.Timeout).toBe(480 + STREAM_TIMEOUT_MARGIN_SECONDS);
    expect(properties.Timeout as number).toBeGreaterThan(Number(env.STREAM_MAX_DURATION_SECONDS));
    expect(properties.Timeout as number).toBeLessThanOrEqual(900);
  });

  it('runs on arm64 Node.js 24 with tracing and its own log group with retention', () => {
    const { function: fn } = endpointOf(dev, route.id);

    expect(functionProps(dev, route.id)).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: logicalIdOf(fn.logGroup) } },
    });
    expect(propertiesOf(dev.template, logicalIdOf(fn.logGroup)).RetentionInDays).toBe(30);
  });

  it('gets the limits and the poll interval from the deploy configuration', () => {
    const synthesized = synthStack({
      maxLiveStreamsPerUser: '3',
      cancelPollIntervalMs: '400',
      streamMaxDurationSeconds: '120',
    });

    expect(
      functionEnvironment(synthesized.template, endpointOf(synthesized, route.id).function.function),
    ).toMatchObject({
      MAX_LIVE_STREAMS_PER_USER: '3',
      CANCEL_POLL_INTERVAL_MS: '400',
      STREAM_MAX_DURATION_SECONDS: '120',
      AUTH_MODE: 'cognito',
      COGNITO_USER_POOL_ID: { Ref: logicalIdOf(synthesized.stack.auth.userPool) },
      COGNITO_CLIENT_ID: { Ref: logicalIdOf(synthesized.stack.auth.userPoolClient) },
    });
  });

  it('gets a table name and grant exactly for each table its route declares', () => {
    const { function: fn } = endpointOf(dev, route.id);
    const env = functionEnvironment(dev.template, fn.function);
    const statements = statementsOfRole(dev.template, logicalIdOf(fn.role));

    for (const [key, definition] of [
      ['chatTable', chatTable],
      ['streamsTable', streamsTable],
      ['connectionsTable', connectionsTable],
      ['auditTable', auditTable],
    ] as const) {
      const tableId = logicalIdOf(dev.stack.data.tableFor(definition));
      const onTable = statements.filter((s) => JSON.stringify(s.Resource).includes(`"${tableId}"`));
      if (key === 'auditTable' && route.access[key]) {
        expect(env[definition.envVar]).toEqual({ Ref: tableId });
        expect(onTable.flatMap(actionsOf)).toContain('dynamodb:PutItem');
        for (const change of ['dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'])
          expect(onTable.flatMap(actionsOf)).not.toContain(change);
      } else if (route.access[key]) {
        expect(env[definition.envVar]).toEqual({ Ref: tableId });
        expect(onTable.flatMap(actionsOf)).toContain('dynamodb:GetItem');
        if (route.access[key] === 'RW') expect(onTable.flatMap(actionsOf)).toContain('dynamodb:PutItem');
      } else {
        expect(env[definition.envVar]).toBeUndefined();
        expect(onTable).toEqual([]);
      }
    }
  });

  it(
    route.access.invokeModel
      ? 'may call only the configured Bedrock model, with ConverseStream'
      : 'cannot call Bedrock (its route declares no model)',
    () => {
      const { function: fn } = endpointOf(dev, route.id);
      const bedrock = statementsOfRole(dev.template, logicalIdOf(fn.role)).filter((s) =>
        actionsOf(s).some((a) => a.startsWith('bedrock:')),
      );
      const environment = functionEnvironment(dev.template, fn.function);

      if (!route.access.invokeModel) {
        // The model id is in every function's environment (the health report names it); no grant.
        expect(bedrock).toEqual([]);
        return;
      }
      expect(bedrock).toEqual([
        {
          Effect: 'Allow',
          Action: 'bedrock:InvokeModelWithResponseStream',
          Resource: {
            'Fn::Join': [
              '',
              [
                'arn:',
                { Ref: 'AWS::Partition' },
                ':bedrock:',
                { Ref: 'AWS::Region' },
                '::foundation-model/amazon.nova-lite-v1:0',
              ],
            ],
          },
        },
      ]);
      expect(environment.BEDROCK_MODEL_ID).toBe('amazon.nova-lite-v1:0');
    },
  );

  it('has reserved concurrency only when the deploy configuration asks for it', () => {
    expect(functionProps(prod, route.id).ReservedConcurrentExecutions).toBe(25);
    expect(functionProps(dev, route.id).ReservedConcurrentExecutions).toBeUndefined();
  });
});

describe('the Streaming construct', () => {
  it('serves every stream route it is given, so a route added to the table needs no infra edit', () => {
    // Prepare: a route table with a second streamed route
    const app = testApp();
    const stack = new Stack(app, 'StreamingTest');
    const config = parseDeployConfig({});
    const data = new Data(stack, 'Data', { config });
    const auth = new Auth(stack, 'Auth', { config });
    const extra = defineRoute({
      id: 'streamSummary',
      method: 'GET',
      path: '/api/rooms/{room_id}/summary',
      summary: 'A streamed summary (test only)',
      tags: ['test'],
      handler: { entry: 'functions/health/get-liveness.ts', export: 'handler' },
      auth: 'jwt',
      kind: 'stream',
      responses: {},
      errors: [],
      access: { chatTable: 'RO' },
    });

    // Act
    const streaming = new Streaming(stack, 'Streaming', {
      config,
      data,
      auth,
      routes: [...streamRoutes, extra],
    });

    // Assess
    const template = Template.fromStack(stack);
    expect([...streaming.endpoints.keys()]).toEqual([
      ...streamRoutes.map((route) => route.id),
      'streamSummary',
    ]);
    expect(resourcesOfType(template, 'AWS::Lambda::Url')).toHaveLength(streamRoutes.length + 1);
    const summary = streaming.endpoints.get('streamSummary');
    if (!summary) throw new Error('streamSummary was not deployed');
    template.hasResourceProperties('AWS::Lambda::Url', {
      TargetFunctionArn: { 'Fn::GetAtt': [logicalIdOf(summary.function.function), 'Arn'] },
      InvokeMode: 'RESPONSE_STREAM',
      Cors: Match.objectLike({ AllowMethods: ['GET'] }),
    });
  });

  it('ignores http and local-only routes', () => {
    const http = deployedRoutes().filter((route) => route.kind === 'http');

    for (const route of http) expect(dev.stack.streaming.endpoints.has(route.id)).toBe(false);
  });
});

describe('the stream URL outputs', () => {
  it('name the chat stream `StreamUrl` and every other streamed route `StreamUrl<RouteId>`', () => {
    expect(streamRoutes.map((route) => route.id)).toContain('sendChatMessage');
    for (const route of streamRoutes) {
      const url = endpointOf(dev, route.id).url;
      const outputId =
        route.id === 'sendChatMessage'
          ? 'StreamUrl'
          : `StreamUrl${route.id.charAt(0).toUpperCase()}${route.id.slice(1)}`;

      dev.template.hasOutput(outputId, {
        Value: { 'Fn::GetAtt': [logicalIdOf(url), 'FunctionUrl'] },
      });
    }
    const outputs = Object.keys(dev.template.findOutputs('*'));
    expect(outputs.filter((id) => id.startsWith('StreamUrl'))).toHaveLength(streamRoutes.length);
  });
});
