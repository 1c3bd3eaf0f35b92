import { describe, expect, it } from 'vitest';
import { parseDeployConfig } from '../../infra/deploy-config';
import { parseConfig } from '../../shared/config/config';
import { DEFAULT_BEDROCK_MODEL_ID } from '../../shared/config/config-schema';
import {
  actionsOf,
  functionEnvironment,
  logicalIdOf,
  type PolicyStatementJson,
  resourcesOfType,
  statementsOfRole,
  synthStack,
} from './synth';

const dev = synthStack({ stage: 'dev' });

describe('the alarm topic lets CloudWatch alarms publish (and only them)', () => {
  const { stack, template } = dev;
  const topicId = logicalIdOf(stack.monitoring.topic);
  const statements = resourcesOfType(template, 'AWS::SNS::TopicPolicy')
    .filter(([, policy]) => JSON.stringify(policy.Properties?.Topics) === JSON.stringify([{ Ref: topicId }]))
    .flatMap(
      ([, policy]) =>
        (policy.Properties?.PolicyDocument as { Statement?: PolicyStatementJson[] } | undefined)?.Statement ??
        [],
    );
  const allow = statements.filter((statement) => statement.Effect === 'Allow');

  it('has one Allow: cloudwatch.amazonaws.com may sns:Publish to this topic', () => {
    expect(allow).toHaveLength(1);
    expect(allow[0]).toMatchObject({
      Principal: { Service: 'cloudwatch.amazonaws.com' },
      Action: 'sns:Publish',
      Resource: { Ref: topicId },
    });
  });

  it('scopes it to this account and to the ARNs of exactly the stack’s alarms', () => {
    const alarmArns = [...stack.monitoring.alarms.values()].map((alarm) => ({
      'Fn::GetAtt': [logicalIdOf(alarm), 'Arn'],
    }));
    const condition = allow[0]?.Condition as Record<string, Record<string, unknown>>;

    expect(condition.StringEquals).toEqual({ 'aws:SourceAccount': { Ref: 'AWS::AccountId' } });
    expect(alarmArns.length).toBeGreaterThan(10);
    expect(condition.ArnEquals?.['aws:SourceArn']).toEqual(expect.arrayContaining(alarmArns));
    expect((condition.ArnEquals?.['aws:SourceArn'] as unknown[] | undefined)?.length).toBe(alarmArns.length);
  });

  it('still refuses publishing without TLS', () => {
    expect(statements.filter((statement) => statement.Effect === 'Deny')).toEqual([
      expect.objectContaining({ Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    ]);
  });
});

describe('the default Bedrock model', () => {
  it('is one value: a current Claude model through a cross-region inference profile', () => {
    expect(DEFAULT_BEDROCK_MODEL_ID).toMatch(
      /^(us|eu|apac|global)\.anthropic\.claude-sonnet-4-5-\d{8}-v\d+:\d+$/,
    );
    expect(parseDeployConfig({}).bedrockModelId).toBe(DEFAULT_BEDROCK_MODEL_ID);
    expect(parseConfig({ ...process.env, BEDROCK_MODEL_ID: undefined }).BEDROCK_MODEL_ID).toBe(
      DEFAULT_BEDROCK_MODEL_ID,
    );
  });

  it('is what the deployed stream function calls, and its grant covers the profile and the models it routes to', () => {
    const endpoint = dev.stack.streaming.endpoints.get('sendChatMessage');
    if (!endpoint) throw new Error('no chat stream endpoint');
    const fn = endpoint.function;
    const bedrock = statementsOfRole(dev.template, logicalIdOf(fn.role)).filter((statement) =>
      actionsOf(statement).some((action) => action.startsWith('bedrock:')),
    );
    const modelId = DEFAULT_BEDROCK_MODEL_ID.replace(/^[a-z]+\./, '');

    expect(functionEnvironment(dev.template, fn.function).BEDROCK_MODEL_ID).toBe(DEFAULT_BEDROCK_MODEL_ID);
    const profileGrant = bedrock.find((s) =>
      JSON.stringify(s.Resource).includes(`:inference-profile/${DEFAULT_BEDROCK_MODEL_ID}`),
    );
    const modelGrant = bedrock.find((s) =>
      JSON.stringify(s.Resource).includes(`:bedrock:*::foundation-model/${modelId}"`),
    );
    expect(profileGrant && actionsOf(profileGrant)).toEqual(['bedrock:InvokeModelWithResponseStream']);
    expect(modelGrant?.Condition).toEqual({
      StringLike: { 'bedrock:InferenceProfileArn': (profileGrant as PolicyStatementJson).Resource },
    });
    expect(bedrock).toHaveLength(2);
  });
});

describe('cfn-lint suppressions (npm run cfn-lint; CI fails on any other finding)', () => {
  it('are only the justified ones, on the resources they concern', () => {
    for (const synthesized of [
      dev,
      synthStack({ stage: 'prod', corsAllowedOrigins: 'https://app.example.com' }),
    ]) {
      const resources = synthesized.template.toJSON().Resources as Record<
        string,
        { Type: string; Metadata?: Record<string, { config?: { ignore_checks?: string[] } }> }
      >;
      const suppressed = new Map<string, Set<string>>();
      for (const resource of Object.values(resources)) {
        const checks = resource.Metadata?.['cfn-lint']?.config?.ignore_checks;
        if (!checks) continue;
        const seen = suppressed.get(resource.Type) ?? new Set<string>();
        for (const check of checks) seen.add(check);
        suppressed.set(resource.Type, seen);
      }

      expect(Object.fromEntries([...suppressed].map(([type, checks]) => [type, [...checks]]))).toEqual({
        'AWS::Lambda::Function': ['W3005'],
        'AWS::CloudWatch::Dashboard': ['E3002'],
      });
    }
  });
});
