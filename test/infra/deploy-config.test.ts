import { RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import {
  DeployConfigError,
  parseDeployConfig,
  readDeployConfig,
  STREAM_TIMEOUT_MARGIN_SECONDS,
} from '../../infra/deploy-config';
import { testApp } from './synth';

describe('deploy configuration', () => {
  it('defaults to a disposable dev stage', () => {
    const config = parseDeployConfig({});

    expect(config).toMatchObject({
      stage: 'dev',
      removalPolicy: RemovalPolicy.DESTROY,
      deletionProtection: false,
      logRetention: RetentionDays.ONE_MONTH,
      logLevel: 'INFO',
      corsAllowedOrigins: ['*'],
      cancelPollIntervalMs: 100,
      streamMaxDurationSeconds: 600,
      maxLiveStreamsPerUser: 5,
      maxLiveRoomsPerUser: 50,
      roomCreateLimitPerHour: 10,
    });
    expect(config.alarmEmail).toBeUndefined();
    expect(config.streamReservedConcurrency).toBeUndefined();
  });

  it('takes the stream and per-user limits from context', () => {
    const config = parseDeployConfig({
      streamMaxDurationSeconds: '300',
      maxLiveStreamsPerUser: '3',
      maxLiveRoomsPerUser: 20,
      roomCreateLimitPerHour: '4',
      streamReservedConcurrency: '50',
    });

    expect(config).toMatchObject({
      streamMaxDurationSeconds: 300,
      maxLiveStreamsPerUser: 3,
      maxLiveRoomsPerUser: 20,
      roomCreateLimitPerHour: 4,
      streamReservedConcurrency: 50,
    });
  });

  it('keeps audit events 6 years and inactive rooms 30 days by default; both come from context', () => {
    expect(parseDeployConfig({})).toMatchObject({ auditRetentionDays: 2190, defaultRetentionDays: 30 });
    expect(parseDeployConfig({ auditRetentionDays: '3650', defaultRetentionDays: '90' })).toMatchObject({
      auditRetentionDays: 3650,
      defaultRetentionDays: 90,
    });
    expect(parseDeployConfig({ defaultRetentionDays: 'off' }).defaultRetentionDays).toBeNull();
    expect(() => parseDeployConfig({ defaultRetentionDays: '0' })).toThrow(/defaultRetentionDays/);
    expect(() => parseDeployConfig({ defaultRetentionDays: '3651' })).toThrow(/defaultRetentionDays/);
  });

  it("keeps the stream maximum low enough for its function timeout to fit Lambda's 900 s", () => {
    expect(
      parseDeployConfig({ streamMaxDurationSeconds: 900 - STREAM_TIMEOUT_MARGIN_SECONDS })
        .streamMaxDurationSeconds,
    ).toBe(840);
    expect(() => parseDeployConfig({ streamMaxDurationSeconds: '841' })).toThrow(
      /streamMaxDurationSeconds: .*840.* \(got "841"\)/,
    );
  });

  it('retains and protects data outside dev', () => {
    const config = parseDeployConfig({ stage: 'prod', corsAllowedOrigins: 'https://app.example.com' });

    expect(config.removalPolicy).toBe(RemovalPolicy.RETAIN);
    expect(config.deletionProtection).toBe(true);
    expect(config.logRetention).toBe(RetentionDays.ONE_YEAR);
  });

  it('accepts -c strings and cdk.json JSON values alike', () => {
    const fromCli = parseDeployConfig({
      deletionProtection: 'true',
      logRetentionDays: '90',
      cancelPollIntervalMs: '500',
      corsAllowedOrigins: 'https://a.example.com, https://b.example.com',
    });
    const fromJson = parseDeployConfig({
      deletionProtection: true,
      logRetentionDays: 90,
      cancelPollIntervalMs: 500,
      corsAllowedOrigins: ['https://a.example.com', 'https://b.example.com'],
    });

    expect(fromCli).toEqual(fromJson);
    expect(fromCli.corsAllowedOrigins).toEqual(['https://a.example.com', 'https://b.example.com']);
  });

  it.each([
    [{ logRetentionDays: '42' }, /logRetentionDays: must be one of .* \(got "42"\)/],
    [{ stage: 'Prod_1' }, /stage: .* \(got "Prod_1"\)/],
    [{ logLevel: 'VERBOSE' }, /logLevel: .* \(got "VERBOSE"\)/],
    [
      { corsAllowedOrigins: 'https://app.example.com/' },
      /corsAllowedOrigins.*\(got "https:\/\/app\.example\.com\/"\)/,
    ],
    [{ deletionProtection: 'yes' }, /deletionProtection: .* \(got "yes"\)/],
    [{ alarmEmail: 'not-an-email' }, /alarmEmail: .* \(got "not-an-email"\)/],
    [{ cancelPollIntervalMs: '10' }, /cancelPollIntervalMs: .* \(got "10"\)/],
    [{ maxLiveStreamsPerUser: '0' }, /maxLiveStreamsPerUser: .* \(got "0"\)/],
    [{ roomCreateLimitPerHour: 'many' }, /roomCreateLimitPerHour: .* \(got "many"\)/],
    [{ streamReservedConcurrency: '2.5' }, /streamReservedConcurrency: .* \(got "2.5"\)/],
  ])('rejects %o with a message naming the key and the bad value', (raw, message) => {
    expect(() => parseDeployConfig(raw)).toThrow(DeployConfigError);
    expect(() => parseDeployConfig(raw)).toThrow(message);
  });

  it('requires explicit CORS origins outside dev', () => {
    expect(() => parseDeployConfig({ stage: 'prod' })).toThrow(
      /corsAllowedOrigins: required when stage is not dev/,
    );
  });

  it('is read from CDK context, as `cdk synth -c key=value` passes it', () => {
    const app = testApp({
      stage: 'qa',
      corsAllowedOrigins: 'https://qa.example.com',
      alarmEmail: 'oncall@example.com',
    });

    const config = readDeployConfig(app.node);

    expect(config).toMatchObject({
      stage: 'qa',
      corsAllowedOrigins: ['https://qa.example.com'],
      alarmEmail: 'oncall@example.com',
    });
  });
});
