import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCareGuideClient } from '../client/index';
import { openBrowser } from '../test/support/browser';

/**
 * `npm run screenshots`: the web app's main screens and the API reference, taken in Debian's
 * Chromium against a fresh local gateway (in-memory DynamoDB Local), into docs/screenshots/.
 */
const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const target = join(repoRoot, 'docs/screenshots');

async function startGateway(): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/start.ts'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      PORT: '0',
      DYNAMODB_IN_MEMORY: 'true',
      LOCAL_MODEL_TOKENS_PER_SECOND: '12',
      LOCAL_MODEL_ANSWER_TOKENS: '400',
      POWERTOOLS_LOG_LEVEL: 'ERROR',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const found = /listening on (http:\/\/\S+)/.exec(output);
      if (found?.[1]) resolve(found[1]);
    });
    child.once('exit', (code) => reject(new Error(`the gateway exited with ${code}`)));
  });
  return { url, stop: () => child.kill('SIGTERM') };
}

const gateway = await startGateway();
const browser = await openBrowser();
try {
  mkdirSync(target, { recursive: true });
  const shot = (page: { screenshot: (options: object) => Promise<unknown> }, name: string) =>
    page.screenshot({ path: join(target, `${name}.png`) });

  // A little history to show: two rooms, one with a stopped answer.
  const anonymous = createCareGuideClient({ baseUrl: gateway.url, token: () => undefined });
  const { token } = await anonymous.local.createToken({ user_id: 'alice' });
  const api = createCareGuideClient({ baseUrl: gateway.url, token: () => token });
  const older = await api.rooms.create({ room_name: 'Medication questions' });
  const session = await api.sessions.create({ room_id: older.room_id, agent_type: 'medication' });
  const stream = api.chat.send({
    query: 'Can I take ibuprofen with my blood pressure tablets?',
    session_id: session.session_id,
    room_id: older.room_id,
    agent_type: 'medication',
  });
  for await (const event of stream) if (event.status === 'streaming' && event.seq === 12) await stream.stop();

  const page = await browser.newPage();
  await page.goto(`${gateway.url}/`);
  await page.getByLabel('User name').waitFor();
  await shot(page, 'sign-in');

  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'New room' }).click();
  await page.getByRole('textbox', { name: 'Room name' }).fill('Sleep');
  await page.getByRole('button', { name: 'Create' }).click();
  await page.getByRole('dialog').waitFor({ state: 'hidden' });
  await page.getByRole('textbox', { name: 'Message' }).fill('How long should an adult sleep each night?');
  await page.getByRole('button', { name: 'Send' }).click();
  const answer = page.locator('.message.assistant .content').last();
  while (((await answer.textContent()) ?? '').length < 160) await page.waitForTimeout(100);
  await shot(page, 'chat-streaming');

  await page.getByRole('button', { name: 'Stop' }).click();
  await page.getByText('Stopped', { exact: true }).waitFor();
  await page.getByRole('button', { name: /Medication questions/ }).click();
  await page.getByText('Can I take ibuprofen', { exact: false }).waitFor();
  await shot(page, 'history');

  await page.goto(`${gateway.url}/docs/`);
  await page.getByText('Authorize').first().waitFor();
  await page.waitForTimeout(500);
  await shot(page, 'api-reference');
  console.log(`Wrote ${target}/{sign-in,chat-streaming,history,api-reference}.png`);
} finally {
  await browser.close();
  gateway.stop();
}
