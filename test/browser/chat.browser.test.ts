import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CareGuideClient, createCareGuideClient } from '../../client/index';
import { buildAppFiles } from '../../local/web-assets';
import { browserPerTest, createRoom, signIn } from '../support/browser';
import { type GatewayProcess, startGatewayProcess } from '../support/gateway-process';

/**
 * The reference web app in Debian's Chromium, against a local gateway process (the same one
 * `npm start` runs) on the test run's DynamoDB Local. The model answers at 20 words a second for
 * 20 seconds, so there is time to watch an answer grow and to stop it.
 */
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
let gateway: GatewayProcess;

beforeAll(async () => {
  gateway = await startGatewayProcess({
    LOCAL_MODEL_TOKENS_PER_SECOND: '20',
    LOCAL_MODEL_ANSWER_TOKENS: '400',
    CANCEL_POLL_INTERVAL_MS: '50',
    ROOM_CREATE_LIMIT_PER_HOUR: '100',
  });
});

afterAll(async () => {
  await gateway?.stop();
});

const currentBrowser = browserPerTest();

const newUser = () => `user-${randomUUID().slice(0, 8)}`;

/** A client of the same gateway, signed in as `user`, to prepare data and check what the app did. */
async function clientFor(user: string): Promise<CareGuideClient> {
  const anonymous = createCareGuideClient({ baseUrl: gateway.url, token: () => undefined });
  const { token } = await anonymous.local.createToken({ user_id: user });
  return createCareGuideClient({ baseUrl: gateway.url, token: () => token });
}

const answer = (page: Page) => page.locator('.message.assistant .content').last();

describe('the web app in Chromium', () => {
  it('signs in, creates a room, streams an answer that grows, and stops it', async () => {
    const user = newUser();
    const page = await currentBrowser().newPage();
    await signIn(page, `${gateway.url}/`, user);
    await createRoom(page, 'Sleep');

    await page.getByRole('textbox', { name: 'Message' }).fill('How long should an adult sleep?');
    await page.getByRole('button', { name: 'Send' }).click();
    await expect.poll(async () => (await answer(page).textContent())?.length ?? 0).toBeGreaterThan(20);
    const early = (await answer(page).textContent()) ?? '';
    await expect
      .poll(async () => (await answer(page).textContent())?.length ?? 0)
      .toBeGreaterThan(early.length);
    expect(await page.getByRole('button', { name: 'Send' }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: 'Stop' }).click();
    await page.getByText('Stopped', { exact: true }).waitFor();

    const shown = (await answer(page).textContent()) ?? '';
    const history = await (await clientFor(user)).rooms.history(
      (await (await clientFor(user)).rooms.list()).rooms[0]?.room_id ?? '',
      { order: 'asc' },
    );
    expect(shown.startsWith(early)).toBe(true);
    expect(history.messages.map((message) => [message.role, message.status])).toEqual([
      ['user', 'complete'],
      ['assistant', 'cancelled'],
    ]);
    // What the page shows is exactly what was streamed before the stop, and what was stored.
    expect(history.messages[1]?.content).toBe(shown);
    expect(await page.getByRole('button', { name: 'Stop' }).isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'Send' }).isEnabled()).toBe(true);
  });

  it('renames, deletes and restores rooms, pages the list, and says what is wrong in words', async () => {
    const user = newUser();
    const api = await clientFor(user);
    for (const name of ['Oldest', 'Middle', 'Newest']) await api.rooms.create({ room_name: name });
    const page = await currentBrowser().newPage();

    await signIn(page, `${gateway.url}/?page_size=2`, user);
    const rooms = page.getByRole('navigation', { name: 'Rooms' }).locator('.room-name');
    await expect.poll(() => rooms.allTextContents()).toEqual(['Newest', 'Middle']);
    await page.getByRole('button', { name: 'Load more rooms' }).click();
    await expect.poll(() => rooms.allTextContents()).toEqual(['Newest', 'Middle', 'Oldest']);
    expect(await page.getByRole('button', { name: 'Load more rooms' }).isHidden()).toBe(true);

    // Keyboard only: the button, the dialog's field, Enter to submit.
    await page.getByRole('button', { name: 'New room' }).focus();
    await page.keyboard.press('Enter');
    await page.keyboard.type('   ');
    await page.keyboard.press('Enter');
    const dialogError = page.getByRole('dialog').getByRole('alert');
    await expect.poll(() => dialogError.textContent()).toBe('Room name: must not be empty after trimming.');
    await page.getByRole('button', { name: 'Cancel' }).click();

    await page.getByRole('button', { name: 'Newest' }).click();
    await page.getByRole('button', { name: 'Rename' }).click();
    await page.getByRole('textbox', { name: 'Room name' }).fill('Blood pressure');
    await page.getByRole('button', { name: 'Rename', exact: true }).last().click();
    await page.getByRole('heading', { name: 'Blood pressure', level: 2 }).waitFor();
    await expect.poll(() => rooms.first().textContent()).toBe('Blood pressure');

    await page.getByRole('button', { name: 'Delete room' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete room' }).click();
    await page.getByText('Room “Blood pressure” deleted.').waitFor();
    await expect.poll(() => rooms.allTextContents()).toEqual(['Middle', 'Oldest']);
    expect((await api.rooms.list()).total).toBe(2);

    await page.getByRole('button', { name: 'Restore Blood pressure' }).click();
    await page.getByText('Room “Blood pressure” restored.').waitFor();
    await expect.poll(() => rooms.allTextContents()).toContain('Blood pressure');
    expect((await api.rooms.list()).total).toBe(3);

    // Signing out leaves nothing of the rooms in the page or in the browser's storage.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(await page.locator('body').textContent()).not.toContain('Blood pressure');
    expect(await page.evaluate('Object.keys(localStorage)')).toEqual([]);
  });

  it('shows the stored history after a reload, resets the agent and clears the history', async () => {
    const user = newUser();
    const api = await clientFor(user);
    const room = await api.rooms.create({ room_name: 'Medication' });
    const session = await api.sessions.create({ room_id: room.room_id, agent_type: 'medication' });
    const stream = api.chat.send({
      query: 'Can I take ibuprofen?',
      room_id: room.room_id,
      session_id: session.session_id,
    });
    for await (const event of stream)
      if (event.status === 'streaming' && event.seq === 3) await stream.stop();
    const page = await currentBrowser().newPage();

    await signIn(page, `${gateway.url}/`, user);
    await page.getByText('Can I take ibuprofen?').waitFor();
    await page.reload();
    await page.getByText('Can I take ibuprofen?').waitFor();
    expect(await answer(page).textContent()).toBe(stream.text);
    expect(await page.getByText('Stopped', { exact: true }).count()).toBe(1);

    await page.getByRole('combobox', { name: 'Agent' }).selectOption('medication');
    await page.getByRole('button', { name: 'Reset agent' }).click();
    await page
      .getByText('The medication assistant has forgotten this conversation.', { exact: false })
      .waitFor();

    await page.getByRole('button', { name: 'Clear history' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Clear history' }).click();
    await page.getByText('History cleared.').waitFor();
    expect(await page.locator('.message').count()).toBe(0);
    await page.reload();
    await page.getByRole('heading', { name: 'Medication', level: 2 }).waitFor();
    expect(await page.locator('.message').count()).toBe(0);
    expect((await api.rooms.history(room.room_id)).messages).toEqual([]);
  });
});

describe('the web app hosted on another origin (CORS)', () => {
  let appServer: Server;
  let appUrl: string;

  beforeAll(async () => {
    // What `npm run build:app` writes, with the config.json a separate host would carry.
    const files = await buildAppFiles(repoRoot);
    const config = JSON.stringify({ apiUrl: gateway.url, auth: { mode: 'local' } });
    appServer = createServer((request, response) => {
      const path = new URL(request.url ?? '/', 'http://x').pathname;
      if (path === '/config.json') {
        response.writeHead(200, { 'content-type': 'application/json' });
        return response.end(config);
      }
      const file = files[path === '/' ? '/index.html' : path];
      if (!file) {
        response.writeHead(404);
        return response.end();
      }
      response.writeHead(200, { 'content-type': file.contentType });
      response.end(file.body);
    });
    await new Promise<void>((resolve) => appServer.listen(0, '127.0.0.1', resolve));
    // `localhost` vs the gateway's 127.0.0.1: another origin, so every API call is cross-origin.
    appUrl = `http://localhost:${(appServer.address() as AddressInfo).port}/`;
  });

  afterAll(async () => {
    await new Promise((resolve) => appServer?.close(resolve));
  });

  it('signs in, creates a room (with an Idempotency-Key) and streams an answer across origins', async () => {
    const page = await currentBrowser().newPage();
    const user = newUser();

    await signIn(page, appUrl, user);
    await createRoom(page, 'Elsewhere');
    await page.getByRole('textbox', { name: 'Message' }).fill('Is this cross-origin?');
    await page.keyboard.press('Enter');
    await expect.poll(async () => (await answer(page).textContent())?.length ?? 0).toBeGreaterThan(10);
    await page.getByRole('button', { name: 'Stop' }).click();
    await page.getByText('Stopped', { exact: true }).waitFor();

    expect(new URL(page.url()).origin).not.toBe(new URL(gateway.url).origin);
    expect((await (await clientFor(user)).rooms.list()).rooms.map((room) => room.room_name)).toEqual([
      'Elsewhere',
    ]);
  });
});
