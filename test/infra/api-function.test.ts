import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { bundleHandler } from '../../infra/bundling';
import { ApiFunction, type FunctionEnvName } from '../../infra/constructs/api-function';
import { parseDeployConfig } from '../../infra/deploy-config';
import {
  actionsOf,
  cdkJsonContext,
  functionEnvironment,
  logicalIdOf,
  statementsOfRole,
  testApp,
} from './synth';

const build = (context: { bedrockModelId?: string } = {}) => {
  const app = testApp();
  const stack = new Stack(app, 'FunctionTest');
  const userPool = new cognito.UserPool(stack, 'Pool');
  const userPoolClient = userPool.addClient('Client');
  const indexed = new dynamodb.Table(stack, 'Indexed', {
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
  });
  indexed.addGlobalSecondaryIndex({
    indexName: 'gsi1',
    partitionKey: { name: 'g', type: dynamodb.AttributeType.STRING },
  });
  const plain = new dynamodb.Table(stack, 'Plain', {
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
  });
  const fn = new ApiFunction(stack, 'Fn', {
    entry: 'functions/health/get-liveness.ts',
    config: parseDeployConfig(context),
    userPool,
    userPoolClient,
  });
  const template = () => Template.fromStack(stack);
  const statements = () => statementsOfRole(template(), logicalIdOf(fn.role));
  const env = () => functionEnvironment(template(), fn.function);
  return { stack, fn, indexed, plain, template, statements, env };
};

describe('ApiFunction.bindTable', () => {
  it('RO sets the env var and grants item reads on the table and its indexes, no writes', () => {
    const { fn, indexed, statements, env } = build();

    fn.bindTable(indexed, 'RO', 'CHAT_TABLE_NAME');

    expect(env().CHAT_TABLE_NAME).toEqual({ Ref: logicalIdOf(indexed) });
    const dynamo = statements().filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')));
    expect(dynamo).toHaveLength(1);
    expect(actionsOf(dynamo[0] ?? { Effect: '', Action: [], Resource: null }).sort()).toEqual(
      [
        'dynamodb:BatchGetItem',
        'dynamodb:ConditionCheckItem',
        'dynamodb:DescribeTable',
        'dynamodb:GetItem',
        'dynamodb:Query',
      ].sort(),
    );
    expect(dynamo[0]?.Resource).toEqual([
      { 'Fn::GetAtt': [logicalIdOf(indexed), 'Arn'] },
      { 'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalIdOf(indexed), 'Arn'] }, '/index/*']] },
    ]);
  });

  it('RW adds item writes, and still no Scan, table management or wildcard action', () => {
    const { fn, plain, statements, env } = build();

    fn.bindTable(plain, 'RW', 'STREAMS_TABLE_NAME');

    expect(env().STREAMS_TABLE_NAME).toEqual({ Ref: logicalIdOf(plain) });
    const actions = statements().flatMap(actionsOf);
    expect(actions).toEqual(
      expect.arrayContaining([
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:DeleteItem',
        'dynamodb:GetItem',
      ]),
    );
    for (const absent of ['dynamodb:Scan', 'dynamodb:DeleteTable', 'dynamodb:*', '*']) {
      expect(actions).not.toContain(absent);
    }
  });

  it('grants nothing on a table it was not given', () => {
    const { fn, indexed, plain, statements } = build();

    fn.bindTable(indexed, 'RW', 'CHAT_TABLE_NAME');

    expect(JSON.stringify(statements())).not.toContain(`"${logicalIdOf(plain)}"`);
  });

  it('accepts only env var names of the config schema (checked by the typecheck)', () => {
    expectTypeOf<'COGNITO_USER_POOL_ID'>().toExtend<FunctionEnvName>();
    expectTypeOf<'POWERTOOLS_LOG_LEVEL'>().toExtend<FunctionEnvName>();
    expectTypeOf<'COGNITO_POOL'>().not.toExtend<FunctionEnvName>();
    // Reserved by Lambda: setting it fails deployment.
    expectTypeOf<'AWS_REGION'>().not.toExtend<FunctionEnvName>();
    expectTypeOf<Parameters<ApiFunction['bindTable']>[2]>().toEqualTypeOf<
      'CHAT_TABLE_NAME' | 'STREAMS_TABLE_NAME' | 'AUDIT_TABLE_NAME'
    >();
  });
});

describe('ApiFunction.bindModel', () => {
  it('grants ConverseStream (InvokeModelWithResponseStream) on the one foundation model in the stack region, nothing more', () => {
    const { fn, statements } = build({ bedrockModelId: 'anthropic.claude-3-haiku-20240307-v1:0' });

    fn.bindModel();

    const bedrock = statements().filter((s) => actionsOf(s).some((a) => a.startsWith('bedrock:')));
    expect(bedrock).toHaveLength(1);
    expect(actionsOf(bedrock[0] ?? { Effect: '', Action: [], Resource: null })).toEqual([
      'bedrock:InvokeModelWithResponseStream',
    ]);
    expect(bedrock[0]?.Resource).toEqual({
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          ':bedrock:',
          { Ref: 'AWS::Region' },
          '::foundation-model/anthropic.claude-3-haiku-20240307-v1:0',
        ],
      ],
    });
  });

  it('adds InvokeModel (Converse) only when non-streaming calls are asked for', () => {
    const { fn, statements } = build();

    fn.bindModel({ nonStreaming: true });

    expect(
      statements()
        .flatMap(actionsOf)
        .filter((a) => a.startsWith('bedrock:'))
        .sort(),
    ).toEqual(['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream']);
  });

  it('grants an inference profile and its model only through that profile', () => {
    const { fn, statements } = build({ bedrockModelId: 'us.anthropic.claude-3-haiku-20240307-v1:0' });

    fn.bindModel();

    const bedrock = statements().filter((s) => actionsOf(s).some((a) => a.startsWith('bedrock:')));
    expect(JSON.stringify(bedrock)).toContain('inference-profile/us.anthropic.claude-3-haiku-20240307-v1:0');
    const anyRegion = bedrock.find((s) =>
      JSON.stringify(s.Resource).includes(':bedrock:*::foundation-model/'),
    );
    expect(anyRegion?.Condition).toMatchObject({
      StringLike: { 'bedrock:InferenceProfileArn': expect.anything() },
    });
  });
});

describe('ApiFunction.bindTableStream', () => {
  it("grants the four stream-read actions on that table's stream ARN only (no ListStreams on *)", () => {
    const { stack, fn, statements } = build();
    const streamed = new dynamodb.Table(stack, 'Streamed', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
    });

    fn.bindTableStream(streamed);

    const streamStatements = statements().filter((s) =>
      actionsOf(s).some((a) => ['dynamodb:GetRecords', 'dynamodb:ListStreams'].includes(a)),
    );
    expect(streamStatements).toEqual([
      {
        Effect: 'Allow',
        Action: [
          'dynamodb:DescribeStream',
          'dynamodb:GetRecords',
          'dynamodb:GetShardIterator',
          'dynamodb:ListStreams',
        ],
        Resource: { 'Fn::GetAtt': [logicalIdOf(streamed), 'StreamArn'] },
      },
    ]);
  });

  it('refuses a table without a stream, naming it', () => {
    const { fn, plain } = build();

    expect(() => fn.bindTableStream(plain)).toThrow(/Plain has no stream/);
  });
});

describe('ApiFunction invocation kinds', () => {
  const withQueue = (invocation: 'api' | 'schedule', failureQueue: boolean) => {
    const app = testApp();
    const stack = new Stack(app, 'InvocationTest');
    const userPool = new cognito.UserPool(stack, 'Pool');
    const queue = new sqs.Queue(stack, 'Failures');
    const fn = new ApiFunction(stack, 'Fn', {
      entry: 'functions/health/get-liveness.ts',
      config: parseDeployConfig({}),
      userPool,
      userPoolClient: userPool.addClient('Client'),
      invocation,
      ...(failureQueue ? { failureQueue: queue } : {}),
    });
    return { stack, fn, queue, template: () => Template.fromStack(stack) };
  };

  it('a scheduled function retries twice, then sends the event to its on-failure queue', () => {
    const { fn, queue, template } = withQueue('schedule', true);

    template().hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: logicalIdOf(fn.function) },
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 3600,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [logicalIdOf(queue), 'Arn'] } } },
    });
    const send = statementsOfRole(template(), logicalIdOf(fn.role)).find((s) =>
      actionsOf(s).includes('sqs:SendMessage'),
    );
    expect(send?.Resource).toEqual({ 'Fn::GetAtt': [logicalIdOf(queue), 'Arn'] });
  });

  it('an API function has no async retry configuration', () => {
    const { template } = withQueue('api', false);

    template().resourceCountIs('AWS::Lambda::EventInvokeConfig', 0);
  });

  it.each([
    ['schedule', false],
    ['api', true],
  ] as const)('refuses invocation %s with failureQueue given = %s', (invocation, failureQueue) => {
    expect(() => withQueue(invocation, failureQueue)).toThrow(
      /failureQueue is required for invocation 'schedule'/,
    );
  });
});

describe('ApiFunction', () => {
  it('puts every grant in a customer-managed policy, never an inline one', () => {
    const { fn, indexed, template } = build();

    fn.bindTable(indexed, 'RW', 'CHAT_TABLE_NAME');
    fn.bindModel();

    template().resourceCountIs('AWS::IAM::Policy', 0);
    template().resourceCountIs('AWS::IAM::ManagedPolicy', 1);
  });

  it('bundles with the local esbuild (no Docker) into an ESM module with a require shim and a source map', () => {
    // Prepare: an app that bundles (the other tests skip bundling)
    const outdir = mkdtempSync(join(tmpdir(), 'careguide-bundle-'));
    try {
      const app = new App({ outdir, context: { ...cdkJsonContext() } });
      const stack = new Stack(app, 'BundleTest');
      const userPool = new cognito.UserPool(stack, 'Pool');
      new ApiFunction(stack, 'Fn', {
        entry: 'functions/health/get-liveness.ts',
        config: parseDeployConfig({}),
        userPool,
        userPoolClient: userPool.addClient('Client'),
      });

      // Act
      const assembly = app.synth();

      // Assess
      const bundleDir = readdirSync(assembly.directory)
        .map((name) => join(assembly.directory, name))
        .find((path) => existsSync(join(path, 'index.mjs')));
      expect(bundleDir).toBeDefined();
      const bundle = readFileSync(join(bundleDir ?? '', 'index.mjs'), 'utf8');
      expect(bundle.startsWith('import { createRequire as __careguideCreateRequire }')).toBe(true);
      expect(bundle).toMatch(/export\s*\{[^}]*\bhandler\b/);
      expect(bundle.trimEnd().endsWith('//# sourceMappingURL=index.mjs.map')).toBe(true);
      expect(existsSync(join(bundleDir ?? '', 'index.mjs.map'))).toBe(true);
      // The same function scripts/measure-bundles.ts measures produces the same bytes.
      const measured = bundleHandler('functions/health/get-liveness.ts', join(outdir, 'measured'));
      expect(readFileSync(measured.file, 'utf8')).toBe(bundle);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
