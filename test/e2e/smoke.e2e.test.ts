import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GatewayProcess, startGatewayProcess } from '../support/gateway-process';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** Runs `scripts/smoke.ts <outputsFile>` as `npm run smoke` does, in its own process. */
const runSmokeScript = (outputsFile: string) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'scripts/smoke.ts', outputsFile],
      {
        cwd: repoRoot,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODE_NO_WARNINGS: '1' },
        timeout: 50_000,
      },
      (error, stdout, stderr) => {
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });

/** A `cdk deploy --outputs-file` look-alike pointing at `url`, in a temporary folder. */
const outputsFileFor = (url: string, withStream = true): string => {
  const file = join(mkdtempSync(join(tmpdir(), 'careguide-smoke-')), 'outputs.json');
  const webSocketUrl = `${url.replace(/^http/, 'ws')}/ws`;
  writeFileSync(
    file,
    JSON.stringify({
      'CareGuide-local': {
        ApiUrl: url,
        ...(withStream ? { StreamUrl: url, WebSocketUrl: webSocketUrl } : {}),
      },
    }),
  );
  return file;
};

/** `PASS  health  12 ms  ...` lines → step name → status and note. */
const stepsOf = (stdout: string): Map<string, { status: string; note: string }> =>
  new Map(
    [...stdout.matchAll(/^(PASS|FAIL|SKIP) {2}(.+?) +\d+ ms {2}(.*)$/gm)].map((match) => [
      (match[2] ?? '').trim(),
      { status: match[1] ?? '', note: match[3] ?? '' },
    ]),
  );

const allSteps = [
  'health',
  'readiness',
  'token',
  'me',
  'websocket',
  'create room',
  'create session',
  'stream answer',
  'stop second stream',
  'history',
  'delete room',
  'websocket events',
];

describe('npm run smoke against a local gateway', () => {
  let gateway: GatewayProcess;

  beforeAll(async () => {
    gateway = await startGatewayProcess();
  });

  afterAll(async () => {
    await gateway?.stop();
  });

  it('passes every step whose routes exist, and exits 0', async () => {
    // Act
    const { code, stdout, stderr } = await runSmokeScript(outputsFileFor(gateway.url));

    // Assess
    const steps = stepsOf(stdout);
    expect([...steps.keys()], stdout + stderr).toEqual(allSteps);
    for (const [step, { status, note }] of steps) {
      if (status === 'SKIP') expect(note, step).toMatch(/is not in the route table/);
      else expect(status, `${step}: ${note}`).toBe('PASS');
    }
    expect(steps.get('stream answer')?.status).toBe('PASS');
    expect(steps.get('stop second stream')?.note).toMatch(/cancelled after \d+ ms/);
    expect(steps.get('websocket')?.note).toMatch(/ping → pong; no token → 401/);
    expect(steps.get('websocket events')?.note).toMatch(/room\.created.*stream\.ended.*room\.deleted/);
    expect(code).toBe(0);
  });

  it('skips the streaming steps with a note when the outputs have no stream URL', async () => {
    const { code, stdout } = await runSmokeScript(outputsFileFor(gateway.url, false));

    const steps = stepsOf(stdout);
    expect(steps.get('stream answer')).toEqual({ status: 'SKIP', note: 'no StreamUrl in the outputs' });
    expect(steps.get('stop second stream')?.status).toBe('SKIP');
    expect(steps.get('websocket')).toEqual({ status: 'SKIP', note: 'no WebSocketUrl in the outputs' });
    expect(steps.get('delete room')?.status).toBe('PASS');
    expect(code).toBe(0);
  });

  it('reports FAIL and exits 1 when the API does not answer', async () => {
    // Prepare: a port that was just free, so nothing listens on it
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise<void>((resolve) => server.close(() => resolve()));

    // Act
    const { code, stdout } = await runSmokeScript(outputsFileFor(`http://127.0.0.1:${port}`));

    // Assess
    expect(stepsOf(stdout).get('health')?.status).toBe('FAIL');
    expect(code).toBe(1);
  });
});
