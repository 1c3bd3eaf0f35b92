import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks, type NagPack, ServerlessChecks } from 'cdk-nag';

/** The cdk-nag packs every synth runs (DESIGN §7). Findings are fixed or acknowledged beside the resource. */
export const nagPacks = (app: App): NagPack[] => [
  new AwsSolutionsChecks(app),
  new HIPAASecurityChecks(app),
  new ServerlessChecks(app),
];

/**
 * Registers the packs with the cdk-nag 3 API (CDK policy validation plugins): an
 * unacknowledged error fails synth, and the findings go to the cloud assembly's validation report.
 */
export function applyNagPacks(app: App): void {
  Validations.of(app).addPlugins(...nagPacks(app));
}
