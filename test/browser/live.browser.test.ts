import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCareGuideClient } from '../../client/index';
import { browserPerTest, createRoom, signIn } from '../support/browser';
import { type GatewayProcess, startGatewayProcess } from '../support/gateway-process';

/**
 * The web app's live behaviour in Chromium: resuming an answer after a reload (the stream log)
 * and updates from another tab (the WebSocket events).
 */
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

/** The conversation: a question's text is also its room's preview in the room list. */
const messages = (page: Page) => page.getByRole('log', { name: 'Messages' });
const answer = (page: Page) => messages(page).locator('.message.assistant .content').last();
const answerLength = async (page: Page) => (await answer(page).textContent())?.length ?? 0;

describe('the web app, live', () => {
  it('continues an answer in progress after a page reload', async () => {
    const user = `user-${randomUUID().slice(0, 8)}`;
    const page = await currentBrowser().newPage();
    await signIn(page, `${gateway.url}/`, user);
    await createRoom(page, 'Reload me');
    await page.getByRole('textbox', { name: 'Message' }).fill('A long answer, please');
    await page.getByRole('button', { name: 'Send' }).click();
    await expect.poll(() => answerLength(page)).toBeGreaterThan(20);
    const beforeReload = (await answer(page).textContent()) ?? '';

    await page.reload();
    await messages(page).getByText('A long answer, please').waitFor();
    await expect.poll(() => answerLength(page)).toBeGreaterThan(beforeReload.length + 10);
    const afterReload = (await answer(page).textContent()) ?? '';
    expect(afterReload.startsWith(beforeReload)).toBe(true);
    expect(await page.getByRole('button', { name: 'Stop' }).isEnabled()).toBe(true);
    await page.getByRole('button', { name: 'Stop' }).click();
    await page.getByText('Stopped', { exact: true }).waitFor();

    const { token } = await createCareGuideClient({
      baseUrl: gateway.url,
      token: () => undefined,
    }).local.createToken({
      user_id: user,
    });
    const api = createCareGuideClient({ baseUrl: gateway.url, token: () => token });
    const roomId = (await api.rooms.list()).rooms[0]?.room_id ?? '';
    const stored = (await api.rooms.history(roomId, { order: 'asc' })).messages;
    expect(stored.map((message) => message.status)).toEqual(['complete', 'cancelled']);
    expect(stored[1]?.content).toBe(await answer(page).textContent());
    expect(await page.locator('.message.assistant').count()).toBe(1);
  });

  it('shows a room created in another tab, and follows an answer started there, without a reload', async () => {
    const user = `user-${randomUUID().slice(0, 8)}`;
    const first = await currentBrowser().newPage();
    await signIn(first, `${gateway.url}/`, user);
    // The same profile: the second tab is signed in already, as in a real browser.
    const second = await currentBrowser().newPage();
    await second.goto(`${gateway.url}/`);
    await second.getByRole('button', { name: 'New room' }).waitFor();
    await second.getByText('Live updates on').waitFor();

    await createRoom(first, 'Made in tab one');
    await second.getByRole('navigation', { name: 'Rooms' }).getByText('Made in tab one').waitFor();
    await second.getByRole('button', { name: /Made in tab one/ }).click();
    await first.getByRole('textbox', { name: 'Message' }).fill('Seen from tab two?');
    await first.getByRole('button', { name: 'Send' }).click();

    await messages(second).getByText('Seen from tab two?').waitFor();
    await expect.poll(() => answerLength(second)).toBeGreaterThan(20);
    await second.getByRole('button', { name: 'Stop' }).click();
    await first.getByText('Stopped', { exact: true }).waitFor();
    await second.getByText('Stopped', { exact: true }).waitFor();
    expect(await answer(second).textContent()).toBe(await answer(first).textContent());
    // The question and its answer, in that order and once each, in both tabs (the role is the
    // second class: `message user`, `message assistant`, maybe still `streaming` after it).
    for (const page of [first, second]) {
      const shown = await messages(page)
        .locator('.message')
        .evaluateAll((items) => items.map((item) => item.getAttribute('class')?.split(' ')[1]));
      expect(shown).toEqual(['user', 'assistant']);
    }
  });
});
