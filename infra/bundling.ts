import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AssetHashType, type BundlingOptions, type ILocalBundling } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as esbuild from 'esbuild';
import { fromRepoRoot, repoRoot } from './paths';

/** Lambda runtime of every function: the newest Node.js LTS Lambda offers (handlers also run on Node 20 locally). */
export const FUNCTION_RUNTIME = lambda.Runtime.NODEJS_24_X;

/** `nodejs24.x` → `node24`: esbuild targets the runtime the bundle runs on. */
export const ESBUILD_TARGET = FUNCTION_RUNTIME.name.replace(/^nodejs(\d+)\.x$/, 'node$1');

/** The file Lambda loads: `index.mjs` (ESM), so the function's handler is `index.<export>`. */
export const BUNDLE_FILE = 'index.mjs';

/** Bundled CommonJS dependencies may call require(): give the ESM bundle one. */
const REQUIRE_SHIM =
  "import { createRequire as __careguideCreateRequire } from 'node:module'; const require = __careguideCreateRequire(import.meta.url);";

/**
 * How every handler is bundled — the one place these options live. The CDK function construct
 * (`handlerCode`, below) and `scripts/measure-bundles.ts` both call `bundleHandler`, so the size
 * and cold-import figures the script reports are those of the code Lambda runs.
 *
 * - ESM, minified, with a linked source map (no sources inside: the map stays small and the
 *   code is not shipped twice); NODE_OPTIONS=--enable-source-maps makes stack traces readable.
 * - Everything is bundled, the AWS SDK included: the locked version the tests ran against,
 *   not whatever the runtime carries, and tree-shaken to what the handler imports.
 * - `module` before `main`: ESM builds of dependencies tree-shake better.
 * - The SDK's default credential chain is replaced by infra/credential-chain-stub.ts: every
 *   client takes its credentials from the environment explicitly (`fromEnv()`).
 */
export const handlerBuildOptions = {
  bundle: true,
  platform: 'node',
  target: ESBUILD_TARGET,
  format: 'esm',
  mainFields: ['module', 'main'],
  alias: { '@aws-sdk/credential-provider-node': fromRepoRoot('infra/credential-chain-stub.ts') },
  banner: { js: REQUIRE_SHIM },
  minify: true,
  sourcemap: 'linked',
  sourcesContent: false,
  tsconfig: fromRepoRoot('tsconfig.json'),
  absWorkingDir: repoRoot,
  metafile: true,
  logLevel: 'warning',
} as const satisfies esbuild.BuildOptions;

export interface HandlerBundle {
  /** The bundle (`<outdir>/index.mjs`); its source map is beside it. */
  readonly file: string;
  /** esbuild's record of every input and its bytes in the output: what a bundle is made of. */
  readonly metafile: esbuild.Metafile;
}

/** Bundles one handler module (path relative to the repository root) into `outdir/index.mjs`. */
export function bundleHandler(entry: string, outdir: string): HandlerBundle {
  mkdirSync(outdir, { recursive: true });
  const file = join(outdir, BUNDLE_FILE);
  const result = esbuild.buildSync({
    ...handlerBuildOptions,
    entryPoints: [fromRepoRoot(entry)],
    outfile: file,
  });
  return { file, metafile: result.metafile };
}

/**
 * CDK's local bundling hook: runs `bundleHandler` in-process. `entry` is a public field because
 * CDK keys its per-synth asset cache on the bundling options' JSON: two handlers must differ there.
 */
class LocalHandlerBundling implements ILocalBundling {
  constructor(readonly entry: string) {}

  tryBundle(outputDir: string): boolean {
    bundleHandler(this.entry, outputDir);
    // Never `false`: that would make CDK fall back to Docker, which this toolchain does not use.
    return true;
  }
}

/**
 * A function's code asset: the handler bundled by `bundleHandler`, hashed by its output (an
 * unchanged bundle is not uploaded again). Test apps that skip bundling (context
 * `aws:cdk:bundling-stacks: []`) never run esbuild.
 */
export function handlerCode(entry: string): lambda.Code {
  const bundling: BundlingOptions = {
    // Required by the type, never pulled: local bundling always succeeds or throws.
    image: FUNCTION_RUNTIME.bundlingImage,
    local: new LocalHandlerBundling(entry),
  };
  return lambda.Code.fromAsset(repoRoot, { assetHashType: AssetHashType.OUTPUT, bundling });
}
