import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export interface GatewayProcess {
  readonly url: string;
  readonly process: ChildProcess;
  /** Everything the process printed (stdout and stderr), for assertions on logs. */
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** A signing-key file that several gateway processes can share, so they trust each other's tokens. */
export const sharedKeyFile = (): string =>
  join(mkdtempSync(join(tmpdir(), 'careguide-e2e-')), 'signing-key.pem');

/**
 * Starts `local/start.ts` (what `npm start` runs) as its own process, on a free port, against the
 * test run's DynamoDB Local unless `env` says otherwise.
 */
export async function startGatewayProcess(env: Record<string, string> = {}): Promise<GatewayProcess> {
  const dynamodb = inject('dynamodb');
  const childEnv: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    PORT: '0',
    HOST: '127.0.0.1',
    DYNAMODB_ENDPOINT: dynamodb.endpoint,
    CHAT_TABLE_NAME: dynamodb.tables.chat,
    STREAMS_TABLE_NAME: dynamodb.tables.streams,
    CONNECTIONS_TABLE_NAME: dynamodb.tables.connections,
    AUDIT_TABLE_NAME: dynamodb.tables.audit,
    POWERTOOLS_LOG_LEVEL: 'INFO',
    NODE_NO_WARNINGS: '1',
    ...env,
  };
  // An empty value in `env` removes a default (e.g. DYNAMODB_ENDPOINT: '' starts its own DynamoDB Local).
  for (const [name, value] of Object.entries(childEnv)) if (value === '') delete childEnv[name];
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/start.ts'], {
    cwd: repoRoot,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start in time:\n${output}`)), 60_000);
    const check = () => {
      const found = /listening on (http:\/\/\S+)/.exec(output);
      if (found?.[1]) {
        clearTimeout(timer);
        resolve(found[1]);
      }
    };
    child.stdout?.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited with ${code} before listening:\n${output}`));
    });
  });

  return {
    url,
    process: child,
    output: () => output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null) return child.exitCode;
      child.kill(signal);
      return exited;
    },
  };
}

/** fetch + JSON, for tests. */
export async function request(url: string, init: RequestInit & { token?: string; json?: unknown } = {}) {
  const headers = new Headers(init.headers);
  if (init.token) headers.set('authorization', `Bearer ${init.token}`);
  if (init.json !== undefined) headers.set('content-type', 'application/json');
  const response = await fetch(url, {
    ...init,
    headers,
    ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : {}),
  });
  const text = await response.text();
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON bodies.
  let body: any;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: response.status, headers: response.headers, body, text };
}
