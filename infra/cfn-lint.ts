import type { CfnResource } from 'aws-cdk-lib';

/**
 * Tells cfn-lint (run on every synthesized template by `npm run cfn-lint` and CI) to skip
 * `checks` on this one resource. Only for findings that are wrong about this template; the
 * call site says why. The metadata is ignored by CloudFormation.
 */
export function ignoreCfnLintChecks(resource: CfnResource, checks: readonly string[]): void {
  const existing = resource.getMetadata('cfn-lint') as { config?: { ignore_checks?: string[] } } | undefined;
  const ignored = new Set([...(existing?.config?.ignore_checks ?? []), ...checks]);
  resource.addMetadata('cfn-lint', { config: { ignore_checks: [...ignored].sort() } });
}
