import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FUNCTION_RUNTIME } from '../../infra/bundling';
import { fromRepoRoot } from '../../infra/paths';
import { NODE24_VERSION } from '../../scripts/fetch-node24';

const ci = readFileSync(fromRepoRoot('.ci/run'), 'utf8');
const packageJson = JSON.parse(readFileSync(fromRepoRoot('package.json'), 'utf8')) as {
  scripts: Record<string, string>;
  engines: { node: string };
};
/** The position of the first line of .ci/run that matches, so the order of stages can be checked. */
const lineOf = (pattern: RegExp): number => ci.split('\n').findIndex((line) => pattern.test(line));

describe('CI (.ci/run)', () => {
  it('runs npm test, then cfn-lint on every stage variant, then the e2e layer on Node 24', () => {
    const npmTest = lineOf(/^\s*npm test\b/);
    const cfnLint = lineOf(/npm run --silent cfn-lint|npm run cfn-lint/);
    const node24 = lineOf(/vitest\.mjs run --project e2e/);

    expect(npmTest).toBeGreaterThan(-1);
    expect(cfnLint).toBeGreaterThan(npmTest);
    expect(node24).toBeGreaterThan(cfnLint);
    expect(packageJson.scripts['cfn-lint']).toBe('tsx scripts/cfn-lint.ts');
  });

  it('installs cfn-lint with pip when it is missing, and fails clearly when it cannot', () => {
    expect(ci).toMatch(/command -v cfn-lint/);
    expect(ci).toMatch(/pip install[^\n]*cfn-lint/);
  });

  it('fetches the Node that Lambda runs (same major) and keeps the closing summary line', () => {
    expect(FUNCTION_RUNTIME.name).toBe(`nodejs${NODE24_VERSION.split('.')[0]}.x`);
    expect(ci).toMatch(/node24:fetch/);
    expect(ci).toContain('passed, ${');
    expect(ci).toMatch(/exit "\$status"\s*$/);
  });

  it('states the supported local Node range in package.json and the README alike', () => {
    const readme = readFileSync(fromRepoRoot('README.md'), 'utf8');

    expect(packageJson.engines.node).toBe('>=20 <25');
    expect(readme).toMatch(/Node\.js 20, 22 or 24/);
  });
});
