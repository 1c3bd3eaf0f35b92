import { App, Tags } from 'aws-cdk-lib';
import { type DeployConfig, DeployConfigError, readDeployConfig } from './deploy-config';
import { applyNagPacks } from './nag';
import { CareGuideStack } from './stacks/careguide-stack';

/**
 * The CDK app (`npx cdk synth`, `npx cdk deploy`). Deploy parameters come from CDK context
 * (see infra/deploy-config.ts). The stack is environment-agnostic: synth needs no AWS
 * credentials, and `cdk deploy` targets the account and region of the caller's credentials.
 */
const app = new App();
const config = ((): DeployConfig => {
  try {
    return readDeployConfig(app.node);
  } catch (error) {
    if (!(error instanceof DeployConfigError)) throw error;
    // The message names each bad key and value; a stack trace would only bury it.
    console.error(error.message);
    process.exit(1);
  }
})();

const stack = new CareGuideStack(app, `CareGuide-${config.stage}`, {
  config,
  description: `CareGuide chat backend (${config.stage})`,
});
Tags.of(stack).add('app', 'careguide-chat');
Tags.of(stack).add('stage', config.stage);

applyNagPacks(app);
