import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { Api } from '../constructs/api';
import { Auth } from '../constructs/auth';
import { Data } from '../constructs/data';
import type { DeployConfig } from '../deploy-config';

export interface CareGuideStackProps extends StackProps {
  readonly config: DeployConfig;
}

/**
 * The whole backend in one stack (DESIGN §2). It only composes constructs, one per concern,
 * handing each the construct objects it needs. The construct ids (`Data`, `Auth`, `Api`) are
 * part of every resource's logical id: renaming `Data` or `Auth` would replace the tables
 * and the user pool.
 */
export class CareGuideStack extends Stack {
  readonly data: Data;
  readonly auth: Auth;
  readonly api: Api;

  constructor(scope: Construct, id: string, props: CareGuideStackProps) {
    super(scope, id, props);
    const { config } = props;

    this.data = new Data(this, 'Data', { config });
    this.auth = new Auth(this, 'Auth', { config });
    this.api = new Api(this, 'Api', { config, data: this.data, auth: this.auth });

    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'Base URL of the HTTP API' });
    new CfnOutput(this, 'UserPoolId', { value: this.auth.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: this.auth.userPoolClient.userPoolClientId });
  }
}
