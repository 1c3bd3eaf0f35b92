/**
 * Checks the synthesized CloudFormation templates against the resource specification with
 * cfn-lint (Python: `pip install cfn-lint`), for every stage variant the app can produce: dev
 * (the defaults) and prod (retained resources, explicit CORS origins, reserved concurrency,
 * alarm e-mail). Exits non-zero on any finding, or when cfn-lint is missing.
 *
 *   npm run cfn-lint
 *
 * Synthesis runs infra/app.ts as the CDK CLI does (same context, cdk-nag included) but skips
 * bundling: the templates are the same apart from asset hashes, and it takes seconds, not minutes.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);
const repoRoot = fileURLToPath(new URL('..', import.meta.url));

export const cfnLintVariants: readonly { readonly name: string; readonly context: Record<string, string> }[] =
  [
    { name: 'dev', context: { stage: 'dev' } },
    {
      name: 'prod',
      context: {
        stage: 'prod',
        corsAllowedOrigins: 'https://app.example.com',
        streamReservedConcurrency: '20',
        alarmEmail: 'oncall@example.com',
      },
    },
  ];

const INSTALL_HINT =
  'cfn-lint is not installed. Install it with `pip install cfn-lint` (Python 3.9+), then run `npm run cfn-lint` again.';

async function cfnLintVersion(): Promise<string | undefined> {
  try {
    return (await execFileAsync('cfn-lint', ['--version'])).stdout.trim();
  } catch {
    return undefined;
  }
}

/** Runs infra/app.ts with the CLI's environment contract (CDK_OUTDIR, CDK_CONTEXT_JSON). */
function synthesize(context: Record<string, string>, outdir: string): Promise<void> {
  const cdkContext = (JSON.parse(readFileSync(join(repoRoot, 'cdk.json'), 'utf8')) as { context: object })
    .context;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'infra/app.ts'], {
      cwd: repoRoot,
      env: {
        ...process.env,
        CDK_OUTDIR: outdir,
        CDK_CONTEXT_JSON: JSON.stringify({ ...cdkContext, ...context, 'aws:cdk:bundling-stacks': [] }),
        CDK_DISABLE_CLI_TELEMETRY: 'true',
        AWS_EC2_METADATA_DISABLED: 'true',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`synth exited with ${code}`))));
  });
}

const version = await cfnLintVersion();
if (!version) {
  console.error(INSTALL_HINT);
  process.exit(2);
}

const workdir = mkdtempSync(join(tmpdir(), 'careguide-cfn-lint-'));
try {
  const templates: string[] = [];
  await Promise.all(
    cfnLintVariants.map(async (variant) => {
      const outdir = join(workdir, variant.name);
      await synthesize(variant.context, outdir);
      const found = readdirSync(outdir).filter((file) => file.endsWith('.template.json'));
      if (found.length === 0) throw new Error(`synth of ${variant.name} wrote no template`);
      templates.push(...found.map((file) => join(outdir, file)));
    }),
  );
  if (!templates.every(existsSync)) throw new Error('a synthesized template is missing');
  console.log(
    `== ${version} on ${templates.length} templates (${cfnLintVariants.map((v) => v.name).join(', ')})`,
  );
  const lint = spawn('cfn-lint', ['--', ...templates.sort()], { stdio: 'inherit' });
  const code = await new Promise<number | null>((resolve) => lint.once('exit', resolve));
  if (code === 0) console.log('cfn-lint: no findings');
  else
    console.error(
      `cfn-lint: findings above (exit ${code}); fix them, or suppress one beside its resource with a reason (infra/cfn-lint.ts)`,
    );
  process.exitCode = code === 0 ? 0 : 1;
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
} finally {
  rmSync(workdir, { recursive: true, force: true });
}
