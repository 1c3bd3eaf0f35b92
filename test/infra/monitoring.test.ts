import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import type { ApiFunction } from '../../infra/constructs/api-function';
import { tableDefinitions } from '../../shared/data/table-definitions';
import { type CfnResourceJson, logicalIdOf, propertiesOf, resourcesOfType, synthStack } from './synth';

const dev = synthStack({ stage: 'dev', cancelPollIntervalMs: '300', alarmEmail: 'oncall@example.com' });
const quiet = synthStack({ stage: 'dev' });
const { stack, template } = dev;
const topicRef = { Ref: logicalIdOf(stack.monitoring.topic) };

const alarmProps = (id: string) => {
  const alarm = stack.monitoring.alarms.get(id);
  if (!alarm) throw new Error(`no alarm ${id}; alarms: ${[...stack.monitoring.alarms.keys()].join(', ')}`);
  return propertiesOf(template, logicalIdOf(alarm));
};

/** Every function of the stack, by the stem its alarms are named after. */
const allFunctions: [string, ApiFunction][] = [
  ...stack.api.functions.values(),
  ...[...stack.streaming.endpoints.values()].map((endpoint) => endpoint.function),
  ...[...stack.maintenance.jobs.values()].map((job) => job.function),
].map((fn) => [fn.node.id.replace(/Function$/, ''), fn]);

describe('the alarm topic', () => {
  it('is encrypted with a rotating customer-managed key that CloudWatch alarms may use', () => {
    const keyId = logicalIdOf(stack.monitoring.topicKey);

    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });
    expect(propertiesOf(template, keyId)).toMatchObject({ EnableKeyRotation: true });
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          }),
        ]),
      },
    });
  });

  it('refuses publishing without TLS', () => {
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [topicRef],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 'sns:Publish',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it('e-mails the configured address, keeping undeliverable notifications in a queue', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      TopicArn: topicRef,
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
      RedrivePolicy: { deadLetterTargetArn: Match.anyValue() },
    });
  });

  it('has no subscription when no alarm e-mail is configured', () => {
    quiet.template.resourceCountIs('AWS::SNS::Subscription', 0);
  });
});

describe('every alarm', () => {
  it('notifies the topic on alarm and on recovery, and treats missing data as fine', () => {
    const alarms = resourcesOfType(template, 'AWS::CloudWatch::Alarm');

    expect(alarms.length).toBe(stack.monitoring.alarms.size);
    for (const [, alarm] of alarms) {
      expect(alarm.Properties).toMatchObject({
        AlarmActions: [topicRef],
        OKActions: [topicRef],
        TreatMissingData: 'notBreaching',
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
    }
  });
});

describe('the API 5xx alarm', () => {
  it('fires on the 5xx share of HTTP API requests', () => {
    const apiRef = { Ref: logicalIdOf(stack.api.httpApi) };
    const props = alarmProps('Api5xxRate');

    expect(props).toMatchObject({ Threshold: 5, EvaluationPeriods: 3, DatapointsToAlarm: 2 });
    expect(props.Metrics).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Expression: 'IF(requests >= 20, 100 * errors / requests, 0)',
          ReturnData: true,
        }),
        expect.objectContaining({
          Id: 'errors',
          MetricStat: expect.objectContaining({
            Metric: {
              Namespace: 'AWS/ApiGateway',
              MetricName: '5xx',
              Dimensions: [{ Name: 'ApiId', Value: apiRef }],
            },
            Stat: 'Sum',
          }),
        }),
        expect.objectContaining({
          Id: 'requests',
          MetricStat: expect.objectContaining({
            Metric: {
              Namespace: 'AWS/ApiGateway',
              MetricName: 'Count',
              Dimensions: [{ Name: 'ApiId', Value: apiRef }],
            },
          }),
        }),
      ]),
    );
  });
});

describe.each(allFunctions)('the function %s', (name, fn) => {
  it.each(['Errors', 'Throttles'])('has a %s alarm on its own metric', (metricName) => {
    expect(alarmProps(`${name}${metricName}`)).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: metricName,
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalIdOf(fn.function) } }],
      Statistic: 'Sum',
      Threshold: 1,
    });
  });
});

describe.each(tableDefinitions)('the $constructId table', (definition) => {
  it('has a throttle alarm over its reads and writes, and those of each GSI', () => {
    const tableRef = { Ref: logicalIdOf(stack.data.tableFor(definition)) };
    const metrics = alarmProps(`${definition.constructId}Throttles`).Metrics as {
      MetricStat?: { Metric: { MetricName: string; Dimensions: { Name: string; Value: unknown }[] } };
    }[];
    const watched = metrics
      .flatMap((metric) => (metric.MetricStat ? [metric.MetricStat.Metric] : []))
      .map((metric) => ({
        metricName: metric.MetricName,
        index: metric.Dimensions.find((d) => d.Name === 'GlobalSecondaryIndexName')?.Value,
        table: metric.Dimensions.find((d) => d.Name === 'TableName')?.Value,
      }));

    const expected = [
      undefined,
      ...definition.globalSecondaryIndexes.map((index) => index.indexName),
    ].flatMap((index) =>
      ['ReadThrottleEvents', 'WriteThrottleEvents'].map((metricName) => ({
        metricName,
        index,
        table: tableRef,
      })),
    );
    expect(watched).toEqual(expect.arrayContaining(expected));
    expect(watched).toHaveLength(expected.length);
  });
});

describe('the stop latency alarm', () => {
  it('watches p95 StopLatencyMs of the service against the budget: poll interval + 100 ms', () => {
    expect(alarmProps('StopLatencyP95')).toMatchObject({
      Namespace: 'CareGuide',
      MetricName: 'StopLatencyMs',
      Dimensions: [{ Name: 'service', Value: 'careguide-chat' }],
      ExtendedStatistic: 'p95',
      Threshold: 300 + 100,
    });
  });
});

describe('the recovered streams alarm', () => {
  it('fires when streams are finished from their log after their process died', () => {
    expect(alarmProps('StreamsRecovered')).toMatchObject({
      Namespace: 'CareGuide',
      MetricName: 'StreamRecovered',
      Statistic: 'Sum',
      Threshold: 5,
    });
  });
});

describe('the stream duration alarm', () => {
  it.each([...stack.streaming.endpoints.values()])(
    'fires between the stream maximum and the function timeout',
    (endpoint) => {
      const name = endpoint.function.node.id.replace(/Function$/, '');
      const props = alarmProps(`${name}DurationNearTimeout`);
      const timeoutMs =
        (propertiesOf(template, logicalIdOf(endpoint.function.function)).Timeout as number) * 1000;

      expect(props).toMatchObject({
        Namespace: 'AWS/Lambda',
        MetricName: 'Duration',
        Statistic: 'Maximum',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalIdOf(endpoint.function.function) } }],
      });
      expect(props.Threshold as number).toBeGreaterThan(600 * 1000);
      expect(props.Threshold as number).toBeLessThan(timeoutMs);
    },
  );
});

describe('the maintenance alarms', () => {
  it.each([...stack.maintenance.jobs.values()])('$job.id alarms on its first dead letter', (deployed) => {
    const name = deployed.function.node.id.replace(/Function$/, '');

    expect(alarmProps(`${name}DeadLetters`)).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [
        { Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalIdOf(deployed.deadLetterQueue), 'QueueName'] } },
      ],
      Threshold: 1,
    });
  });

  it.each([...stack.maintenance.jobs.values()].filter((deployed) => deployed.eventSourceMapping))(
    '$job.id alarms when its table stream falls behind',
    (deployed) => {
      const name = deployed.function.node.id.replace(/Function$/, '');

      expect(alarmProps(`${name}IteratorAge`)).toMatchObject({
        MetricName: 'IteratorAge',
        Statistic: 'Maximum',
      });
    },
  );
});

describe('the dashboard', () => {
  const body = () => {
    const [[, dashboard] = ['', {} as CfnResourceJson]] = resourcesOfType(
      template,
      'AWS::CloudWatch::Dashboard',
    );
    return JSON.stringify(dashboard.Properties?.DashboardBody);
  };

  it('is the one dashboard of the stack', () => {
    expect(resourcesOfType(template, 'AWS::CloudWatch::Dashboard')).toHaveLength(1);
  });

  it.each([
    ['API latency', '\\"Latency\\"'],
    ['time to first token', 'TimeToFirstTokenMs'],
    ['response time', 'ChatResponseTimeMs'],
    ['stop latency', 'StopLatencyMs'],
    ['active streams', 'RUNNING_SUM(deltas)'],
    ['stops and cancellations', 'StreamCancelled'],
    ['started streams', 'StreamStarted'],
    ['resumes', 'StreamResumed'],
    ['replay latency', 'ReplayLatencyMs'],
    ['recovered streams', 'StreamRecovered'],
    ['write units per answer', 'StreamWriteUnits'],
    ['read units per answer', 'StreamReadUnits'],
    ['errors by type', 'MetricName=\\\\\\"Errors\\\\\\"'],
    ['Lambda errors', '\\"Errors\\"'],
    ['alarm status', '\\"type\\":\\"alarm\\"'],
  ])('shows %s', (_what, needle) => {
    expect(body()).toContain(needle);
  });
});
