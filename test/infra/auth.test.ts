import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { logicalIdOf, propertiesOf, resourceOf, synthStack } from './synth';

const dev = synthStack({ stage: 'dev' });
const prod = synthStack({ stage: 'prod', corsAllowedOrigins: 'https://app.example.com' });

describe('the user pool', () => {
  it('allows no self sign-up, signs in by email and enforces a strong password policy', () => {
    dev.template.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      UsernameAttributes: ['email'],
      AutoVerifiedAttributes: ['email'],
      Policies: {
        PasswordPolicy: {
          MinimumLength: Match.anyValue(),
          RequireLowercase: true,
          RequireUppercase: true,
          RequireNumbers: true,
          RequireSymbols: true,
        },
      },
    });
    const policies = propertiesOf(dev.template, logicalIdOf(dev.stack.auth.userPool)).Policies as {
      PasswordPolicy: { MinimumLength: number };
    };
    const policy = policies.PasswordPolicy;
    expect(policy.MinimumLength).toBeGreaterThanOrEqual(12);
  });

  it('offers optional TOTP MFA and no SMS factor', () => {
    dev.template.hasResourceProperties('AWS::Cognito::UserPool', {
      MfaConfiguration: 'OPTIONAL',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
    });
  });

  it('is deletion-protected and retained outside dev, deletable in dev', () => {
    const prodPool = resourceOf(prod.template, logicalIdOf(prod.stack.auth.userPool));
    const devPool = resourceOf(dev.template, logicalIdOf(dev.stack.auth.userPool));

    expect(prodPool.Properties?.DeletionProtection).toBe('ACTIVE');
    expect(prodPool.DeletionPolicy).toBe('Retain');
    expect(devPool.Properties?.DeletionProtection).toBe('INACTIVE');
    expect(devPool.DeletionPolicy).toBe('Delete');
  });
});

describe('the app client', () => {
  it('belongs to the pool, has no secret, and allows SRP and user-password sign-in only', () => {
    dev.template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      UserPoolId: { Ref: logicalIdOf(dev.stack.auth.userPool) },
      GenerateSecret: false,
      ExplicitAuthFlows: Match.arrayEquals([
        'ALLOW_USER_PASSWORD_AUTH',
        'ALLOW_USER_SRP_AUTH',
        'ALLOW_REFRESH_TOKEN_AUTH',
      ]),
      AllowedOAuthFlowsUserPoolClient: false,
      PreventUserExistenceErrors: 'ENABLED',
    });
  });
});
