import { Stack } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { NagPack } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { readDeployConfig } from '../../infra/deploy-config';
import { applyNagPacks, nagPacks } from '../../infra/nag';
import { CareGuideStack } from '../../infra/stacks/careguide-stack';
import { testApp } from './synth';

/** Every unacknowledged finding of every pack, as `pack severity rule @ path` lines. */
function findings(packs: NagPack[], scope: Parameters<NagPack['validateScope']>[0]): string[] {
  return packs.flatMap((pack) =>
    pack
      .validateScope(scope)
      .violations.flatMap((violation) =>
        violation.violatingResources.map(
          (resource) =>
            `${pack.name} ${violation.severity} ${violation.ruleName} @ ${resource.constructPath}`,
        ),
      ),
  );
}

describe.each([
  { stage: 'dev' },
  { stage: 'prod', corsAllowedOrigins: 'https://app.example.com' },
  // The optional parts: alarm e-mail (subscription + its queue), reserved stream concurrency,
  // a cross-region inference profile (its wildcard-region model grant).
  {
    stage: 'staging',
    corsAllowedOrigins: 'https://app.example.com',
    alarmEmail: 'oncall@example.com',
    streamReservedConcurrency: '20',
    bedrockModelId: 'eu.anthropic.claude-3-haiku-20240307-v1:0',
  },
])('cdk-nag on the $stage stack', (context) => {
  it('finds nothing unacknowledged in the AwsSolutions, HIPAA Security and Serverless packs', () => {
    // Prepare
    const app = testApp(context);
    new CareGuideStack(app, 'CareGuide-nag', { config: readDeployConfig(app.node) });

    // Act
    const unacknowledged = findings(nagPacks(app), app);

    // Assess: warnings too, so a new one is decided on rather than scrolled past
    expect(unacknowledged).toEqual([]);
  });

  it('lets the app synthesize with the packs registered as validation plugins', () => {
    const app = testApp(context);
    new CareGuideStack(app, 'CareGuide-nag', { config: readDeployConfig(app.node) });
    applyNagPacks(app);

    expect(() => app.synth()).not.toThrow();
  });
});

describe('the cdk-nag harness', () => {
  it('reports an unacknowledged error, so the checks above can fail', () => {
    // Prepare: a log group that keeps logs forever, acknowledged nowhere
    const app = testApp();
    const stack = new Stack(app, 'Bad');
    new logs.LogGroup(stack, 'Forever', { retention: logs.RetentionDays.INFINITE });

    // Act
    const unacknowledged = findings(nagPacks(app), app);

    // Assess
    expect(unacknowledged).toContainEqual(
      expect.stringMatching(/HIPAA\.Security error .*CloudWatchLogGroupRetentionPeriod/),
    );
  });

  it('fails synth on an unacknowledged error', () => {
    const app = testApp();
    const stack = new Stack(app, 'Bad');
    new logs.LogGroup(stack, 'Forever', { retention: logs.RetentionDays.INFINITE });
    applyNagPacks(app);

    expect(() => app.synth()).toThrow(/CloudWatchLogGroupRetentionPeriod/);
  });
});
