import { readFileSync } from 'node:fs';
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import * as z from 'zod';
import { readDeployConfig } from '../../infra/deploy-config';
import { fromRepoRoot } from '../../infra/paths';
import { CareGuideStack } from '../../infra/stacks/careguide-stack';

const cdkJsonSchema = z.object({ context: z.record(z.string(), z.unknown()) });

/** cdk.json's context (feature flags, defaults), so tests synthesize what `cdk synth` does. */
export const cdkJsonContext = (): Record<string, unknown> =>
  cdkJsonSchema.parse(JSON.parse(readFileSync(fromRepoRoot('cdk.json'), 'utf8'))).context;

/** A test app: cdk.json's context plus `context`, with bundling skipped (no esbuild run per test). */
export const testApp = (context: Record<string, unknown> = {}): App =>
  new App({ context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [], ...context } });

export interface SynthesizedStack {
  readonly app: App;
  readonly stack: CareGuideStack;
  readonly template: Template;
}

/** Builds the app's stack from deploy context, as infra/app.ts does, and synthesizes its template. */
export function synthStack(context: Record<string, unknown> = {}): SynthesizedStack {
  const app = testApp(context);
  const stack = new CareGuideStack(app, 'CareGuide-test', { config: readDeployConfig(app.node) });
  return { app, stack, template: Template.fromStack(stack) };
}

/** The logical id CloudFormation knows a construct's resource by (its default child for L2s). */
export function logicalIdOf(construct: IConstruct): string {
  const element = (construct.node.defaultChild ?? construct) as CfnElement;
  return Stack.of(construct).getLogicalId(element);
}

export interface CfnResourceJson {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
}

export function resourceOf(template: Template, logicalId: string): CfnResourceJson {
  const resources = template.toJSON().Resources as Record<string, CfnResourceJson>;
  const resource = resources[logicalId];
  if (!resource) throw new Error(`No resource ${logicalId} in the template`);
  return resource;
}

export const propertiesOf = (template: Template, logicalId: string): Record<string, unknown> =>
  resourceOf(template, logicalId).Properties ?? {};

/** A Lambda function's env vars as synthesized (tokens resolved to `Ref`/`Fn::GetAtt`). */
export function functionEnvironment(template: Template, fn: IConstruct): Record<string, unknown> {
  const environment = propertiesOf(template, logicalIdOf(fn)).Environment as
    | { Variables?: Record<string, unknown> }
    | undefined;
  return environment?.Variables ?? {};
}

export interface PolicyStatementJson {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: unknown;
}

/** Every IAM statement attached to a role, from managed and inline policies alike. */
export function statementsOfRole(template: Template, roleLogicalId: string): PolicyStatementJson[] {
  const statements: PolicyStatementJson[] = [];
  for (const type of ['AWS::IAM::ManagedPolicy', 'AWS::IAM::Policy']) {
    for (const policy of Object.values(template.findResources(type)) as CfnResourceJson[]) {
      const roles = (policy.Properties?.Roles ?? []) as unknown[];
      if (!roles.some((role) => JSON.stringify(role) === JSON.stringify({ Ref: roleLogicalId }))) continue;
      const document = policy.Properties?.PolicyDocument as { Statement: PolicyStatementJson[] };
      statements.push(...document.Statement);
    }
  }
  return statements;
}

/** Every IAM statement in the template, from managed and inline policies alike. */
export function allStatements(template: Template): PolicyStatementJson[] {
  return ['AWS::IAM::ManagedPolicy', 'AWS::IAM::Policy'].flatMap((type) =>
    (Object.values(template.findResources(type)) as CfnResourceJson[]).flatMap((policy) => {
      const document = policy.Properties?.PolicyDocument as { Statement?: PolicyStatementJson[] } | undefined;
      return document?.Statement ?? [];
    }),
  );
}

export const actionsOf = (statement: PolicyStatementJson): string[] =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];

/**
 * Every policy statement anywhere in the template: IAM policies and roles, KMS key policies,
 * SNS topic and SQS queue policies — any `{ Statement: [...] }` in any resource's properties.
 */
export function statementsEverywhere(
  template: Template,
): (PolicyStatementJson & { readonly resource: string })[] {
  const found: (PolicyStatementJson & { readonly resource: string })[] = [];
  const visit = (value: unknown, resource: string): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item, resource);
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    const record = value as Record<string, unknown>;
    if (Array.isArray(record.Statement)) {
      for (const statement of record.Statement as PolicyStatementJson[])
        found.push({ ...statement, resource });
    }
    for (const child of Object.values(record)) visit(child, resource);
  };
  const resources = template.toJSON().Resources as Record<string, CfnResourceJson>;
  for (const [logicalId, resource] of Object.entries(resources)) visit(resource.Properties, logicalId);
  return found;
}

/** The resources of a type, by logical id. */
export const resourcesOfType = (template: Template, type: string): [string, CfnResourceJson][] =>
  Object.entries(template.findResources(type)) as [string, CfnResourceJson][];
