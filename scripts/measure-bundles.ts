import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';
import { bundleHandler, ESBUILD_TARGET } from '../infra/bundling';
import { maintenanceJobs } from '../infra/maintenance-jobs';
import { fromRepoRoot } from '../infra/paths';
import { DEFAULT_BEDROCK_MODEL_ID } from '../shared/config/config-schema';
import {
  webSocketAuthorizer,
  webSocketFanOut,
  webSocketRoutes,
} from '../shared/realtime/websocket-functions';
import { deployedRoutes } from '../shared/routes/route-table';

/**
 * `npm run bundles [-- --runs 7] [-- --no-source-maps]`: bundles every deployed handler (the
 * route table's deployed routes and the maintenance jobs) with `bundleHandler` from
 * infra/bundling.ts — the very function the CDK function construct bundles with — and reports
 * each bundle's size (raw and gzip) and cold import time: the median over `runs` fresh `node`
 * processes that import the bundle with the `awslambda` shim preloaded and a Lambda-like
 * environment (no AWS call is made: importing a handler only builds clients).
 *
 * Writes bench-results/bundles.json. scripts/bench.ts calls `measureBundles()`.
 */

export type HandlerKind = 'http' | 'stream' | 'maintenance' | 'websocket';

export interface BundleEntry {
  /** Route or job id. */
  readonly id: string;
  readonly kind: HandlerKind;
  /** Handler module, relative to the repository root. */
  readonly entry: string;
}

export interface PackageShare {
  /** npm package name, or `(app)` for this repository's own modules. */
  readonly name: string;
  readonly bytes: number;
}

export interface BundleMeasurement extends BundleEntry {
  readonly rawBytes: number;
  readonly gzipBytes: number;
  readonly sourceMapBytes: number;
  /** Median of `importRunsMs`. */
  readonly coldImportMs: number;
  readonly importRunsMs: readonly number[];
  /** What the bundle is made of, largest first (esbuild's metafile, bytes in the output). */
  readonly packages: readonly PackageShare[];
}

export interface BundleReport {
  readonly generatedAt: string;
  readonly node: string;
  readonly esbuildTarget: string;
  readonly runs: number;
  /** Whether imports ran with NODE_OPTIONS=--enable-source-maps, as the functions do on Lambda. */
  readonly sourceMaps: boolean;
  readonly bundles: readonly BundleMeasurement[];
}

export interface MeasureOptions {
  /** Fresh processes per bundle; the median is reported. @default 5 */
  readonly runs?: number;
  /** Import with `--enable-source-maps` (as on Lambda). @default true */
  readonly sourceMaps?: boolean;
  /** Where the bundles are written. @default .cache/bundles */
  readonly outDir?: string;
  /** The JSON report; `false` writes none. @default bench-results/bundles.json */
  readonly resultsFile?: string | false;
  /** Progress and the tables; `false` prints nothing. @default console.log */
  readonly log?: ((line: string) => void) | false;
  /** @default every deployed handler (`bundleEntries()`) */
  readonly entries?: readonly BundleEntry[];
}

/** Every handler that is deployed: each deployed route's (http and stream) and each maintenance job's. */
export function bundleEntries(): BundleEntry[] {
  const entries: BundleEntry[] = deployedRoutes().map((route) => ({
    id: route.id,
    kind: route.kind,
    entry: route.handler.entry,
  }));
  for (const job of maintenanceJobs)
    entries.push({ id: job.id, kind: 'maintenance', entry: job.handler.entry });
  for (const fn of [webSocketAuthorizer, ...webSocketRoutes, webSocketFanOut])
    entries.push({ id: fn.id, kind: 'websocket', entry: fn.handler.entry });
  return entries;
}

/**
 * The environment a function has on Lambda, with placeholder values: what the config schema
 * needs at import time. AWS_EXECUTION_ENV makes Powertools (Tracer included) behave as on
 * Lambda; X-Ray segments would go to a local UDP port nobody listens on, and none is sent at import.
 */
const lambdaLikeEnv = (sourceMaps: boolean): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH ?? '',
  HOME: process.env.HOME ?? '',
  ...(sourceMaps ? { NODE_OPTIONS: '--enable-source-maps' } : {}),
  AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
  AWS_LAMBDA_FUNCTION_NAME: 'careguide-bundle-measurement',
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_XRAY_DAEMON_ADDRESS: '127.0.0.1:2000',
  AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
  AWS_NODEJS_CONNECTION_REUSE_ENABLED: '1',
  POWERTOOLS_SERVICE_NAME: 'careguide-chat',
  POWERTOOLS_METRICS_NAMESPACE: 'CareGuide',
  POWERTOOLS_LOG_LEVEL: 'ERROR',
  STAGE: 'bench',
  APP_VERSION: '0.0.0',
  AUTH_MODE: 'cognito',
  COGNITO_USER_POOL_ID: 'us-east-1_Bench0000',
  COGNITO_CLIENT_ID: 'benchclient0000000000000000',
  CHAT_TABLE_NAME: 'bench-chat',
  STREAMS_TABLE_NAME: 'bench-streams',
  CONNECTIONS_TABLE_NAME: 'bench-connections',
  AUDIT_TABLE_NAME: 'bench-audit',
  WEBSOCKET_MANAGEMENT_ENDPOINT: 'https://bench.execute-api.us-east-1.amazonaws.com/bench',
  MODEL_PROVIDER: 'bedrock',
  BEDROCK_MODEL_ID: DEFAULT_BEDROCK_MODEL_ID,
});

/** The `awslambda` global (response streaming) as a plain ESM file that `node --import` can preload. */
function buildShim(outDir: string): string {
  const file = join(outDir, 'awslambda-shim.mjs');
  esbuild.buildSync({
    entryPoints: [fromRepoRoot('local/awslambda-shim.ts')],
    outfile: file,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: `node${process.versions.node.split('.')[0]}`,
    logLevel: 'warning',
  });
  return file;
}

/** Imports the bundle in a fresh process and returns the milliseconds the import took. */
function importOnce(bundle: string, shim: string, env: NodeJS.ProcessEnv): number {
  const script = [
    'const started = performance.now();',
    `await import(${JSON.stringify(pathToFileURL(bundle).href)});`,
    'process.stdout.write(String(performance.now() - started));',
  ].join('\n');
  const output = execFileSync(
    process.execPath,
    ['--import', pathToFileURL(shim).href, '--input-type=module', '-e', script],
    { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 },
  );
  const ms = Number(output.trim().split('\n').at(-1));
  if (!Number.isFinite(ms)) throw new Error(`importing ${bundle} printed ${JSON.stringify(output)}`);
  return ms;
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};

/** `node_modules/@aws-sdk/client-dynamodb/dist-es/x.js` → `@aws-sdk/client-dynamodb`; own code → `(app)`. */
const packageOf = (inputPath: string): string => {
  const parts = inputPath.split('node_modules/');
  const last = parts.at(-1) ?? inputPath;
  if (parts.length === 1) return '(app)';
  const segments = last.split('/');
  return (segments[0]?.startsWith('@') ? segments.slice(0, 2) : segments.slice(0, 1)).join('/');
};

function packagesOf(metafile: esbuild.Metafile): PackageShare[] {
  const totals = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [path, input] of Object.entries(output.inputs)) {
      const name = packageOf(path);
      totals.set(name, (totals.get(name) ?? 0) + input.bytesInOutput);
    }
  }
  return [...totals.entries()].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes);
}

const kb = (bytes: number): string => (bytes / 1024).toFixed(1);

/** The two tables `npm run bundles` prints: sizes and import times, then what the largest parts are. */
export function formatReport(report: BundleReport): string {
  const idWidth = Math.max(7, ...report.bundles.map((bundle) => bundle.id.length));
  const rows = [
    `${'handler'.padEnd(idWidth)}  ${'kind'.padEnd(11)}  ${'raw KB'.padStart(8)}  ${'gzip KB'.padStart(8)}  ${'cold import ms'.padStart(14)}`,
    ...report.bundles.map(
      (bundle) =>
        `${bundle.id.padEnd(idWidth)}  ${bundle.kind.padEnd(11)}  ${kb(bundle.rawBytes).padStart(8)}  ${kb(bundle.gzipBytes).padStart(8)}  ${bundle.coldImportMs.toFixed(1).padStart(14)}`,
    ),
    '',
    `cold import: median of ${report.runs} fresh node ${report.node} processes${report.sourceMaps ? ' with --enable-source-maps (as on Lambda)' : ''}; bundles target ${report.esbuildTarget}`,
    '',
    'largest parts (KB in the minified output):',
    ...report.bundles.map(
      (bundle) =>
        `  ${bundle.id.padEnd(idWidth)}  ${bundle.packages
          .slice(0, 5)
          .map((share) => `${share.name} ${kb(share.bytes)}`)
          .join(', ')}`,
    ),
  ];
  return rows.join('\n');
}

/** Bundles and measures every deployed handler; see the module comment. */
export async function measureBundles(options: MeasureOptions = {}): Promise<BundleReport> {
  const runs = options.runs ?? 5;
  const sourceMaps = options.sourceMaps ?? true;
  const outDir = options.outDir ?? fromRepoRoot('.cache/bundles');
  const log = options.log === false ? () => {} : (options.log ?? console.log);
  const entries = options.entries ?? bundleEntries();

  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const shim = buildShim(outDir);
  const env = lambdaLikeEnv(sourceMaps);

  const bundles: BundleMeasurement[] = [];
  for (const entry of entries) {
    const { file, metafile } = bundleHandler(entry.entry, join(outDir, entry.id));
    const code = readFileSync(file);
    const importRunsMs = Array.from({ length: runs }, () => importOnce(file, shim, env));
    const measurement: BundleMeasurement = {
      ...entry,
      rawBytes: code.byteLength,
      gzipBytes: gzipSync(code).byteLength,
      sourceMapBytes: statSync(`${file}.map`).size,
      coldImportMs: Number(median(importRunsMs).toFixed(1)),
      importRunsMs: importRunsMs.map((ms) => Number(ms.toFixed(1))),
      packages: packagesOf(metafile),
    };
    bundles.push(measurement);
    log(`  ${entry.id}: ${kb(measurement.rawBytes)} KB, ${measurement.coldImportMs} ms`);
  }

  const report: BundleReport = {
    generatedAt: new Date().toISOString(),
    node: process.version,
    esbuildTarget: ESBUILD_TARGET,
    runs,
    sourceMaps,
    bundles,
  };
  const resultsFile = options.resultsFile ?? fromRepoRoot('bench-results/bundles.json');
  if (resultsFile !== false) {
    mkdirSync(dirname(resultsFile), { recursive: true });
    writeFileSync(resultsFile, `${JSON.stringify(report, null, 2)}\n`);
  }
  log('');
  log(formatReport(report));
  if (resultsFile !== false) log(`\nwrote ${resultsFile}`);
  return report;
}

function parseArgs(argv: readonly string[]): MeasureOptions {
  const options: { runs?: number; sourceMaps?: boolean; resultsFile?: string } = {};
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '--runs') {
      const runs = Number(argv[++i]);
      if (!Number.isInteger(runs) || runs < 1)
        throw new Error(`--runs needs a positive integer, got ${argv[i]}`);
      options.runs = runs;
    } else if (arg === '--no-source-maps') {
      options.sourceMaps = false;
    } else if (arg === '--out') {
      const file = argv[++i];
      if (!file) throw new Error('--out needs a file');
      options.resultsFile = file;
    } else {
      throw new Error(
        `unknown argument ${arg}; usage: npm run bundles [-- --runs N] [--no-source-maps] [--out file]`,
      );
    }
  }
  return options;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    await measureBundles(parseArgs(process.argv.slice(2)));
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
}
