import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CareGuideClient, createCareGuideClient } from '../../client/index';
import { browserPerTest, signIn } from '../support/browser';
import { type GatewayProcess, startGatewayProcess } from '../support/gateway-process';

/**
 * "Your data" in the reference web app, in Debian's Chromium against a local gateway process:
 * a room exported as a Markdown download, and the retention setting changed in the dialog.
 */
let gateway: GatewayProcess;

beforeAll(async () => {
  gateway = await startGatewayProcess({ ROOM_CREATE_LIMIT_PER_HOUR: '100' });
});

afterAll(async () => {
  await gateway?.stop();
});

const currentBrowser = browserPerTest();

const newUser = () => `user-${randomUUID().slice(0, 8)}`;

async function clientFor(user: string): Promise<CareGuideClient> {
  const anonymous = createCareGuideClient({ baseUrl: gateway.url, token: () => undefined });
  const { token } = await anonymous.local.createToken({ user_id: user });
  return createCareGuideClient({ baseUrl: gateway.url, token: () => token });
}

describe('your data in the web app', () => {
  it('exports the open room as a Markdown download named after the room id', async () => {
    const user = newUser();
    const client = await clientFor(user);
    const room = await client.rooms.create({ room_name: 'Blood pressure log' });
    const page = await currentBrowser().newPage();
    await signIn(page, `${gateway.url}/`, user);
    await page.getByRole('heading', { name: 'Blood pressure log', level: 2 }).waitFor();

    await page.getByLabel('Export as').selectOption('markdown');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export', exact: true }).click(),
    ]);
    const path = await download.path();

    expect(download.suggestedFilename()).toBe(`room-${room.room_id}.md`);
    expect(await readFile(path, 'utf8')).toContain('# Blood pressure log');
    await page.getByText('Room exported as Markdown.').waitFor();
  });

  it('changes the retention setting, and says in words when the number is out of range', async () => {
    const user = newUser();
    const client = await clientFor(user);
    const page = await currentBrowser().newPage();
    await signIn(page, `${gateway.url}/`, user);

    await page.getByRole('button', { name: 'Your data' }).click();
    const dialog = page.getByRole('dialog', { name: 'Your data' });
    await dialog.waitFor();
    await dialog.getByRole('radio', { name: 'Delete after a number of days' }).check();
    await dialog.getByRole('spinbutton', { name: /Days/ }).fill('0');
    await dialog.getByRole('button', { name: 'Save retention' }).click();
    await dialog.getByRole('alert').getByText('Days: enter a whole number from 1 to 3650.').waitFor();
    expect((await client.account.settings()).source).toBe('default');

    await dialog.getByRole('spinbutton', { name: /Days/ }).fill('45');
    await dialog.getByRole('button', { name: 'Save retention' }).click();
    await dialog.getByText('Retention saved.').waitFor();

    expect(await client.account.settings()).toMatchObject({ retention_days: 45, source: 'user' });
    await dialog.getByText('Rooms inactive for more than 45 days are deleted.').waitFor();
    // The dialog's activity list shows the user's own audit events.
    await expect
      .poll(() => dialog.getByRole('list', { name: 'Recent activity' }).textContent())
      .toContain('room.list');
  });

  it('deletes the account only once DELETE is typed, then signs out', async () => {
    const user = newUser();
    const client = await clientFor(user);
    await client.rooms.create({ room_name: 'To be deleted' });
    const page = await currentBrowser().newPage();
    await signIn(page, `${gateway.url}/`, user);

    await page.getByRole('button', { name: 'Your data' }).click();
    const dialog = page.getByRole('dialog', { name: 'Your data' });
    const remove = dialog.getByRole('button', { name: 'Delete my account' });
    await dialog.getByRole('textbox', { name: 'Type DELETE to confirm' }).fill('delete');
    expect(await remove.isDisabled()).toBe(true);
    await dialog.getByRole('textbox', { name: 'Type DELETE to confirm' }).fill('DELETE');
    await remove.click();

    await page.getByText('Your account and all its data have been deleted.').waitFor();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect((await client.rooms.list()).rooms).toEqual([]);
  });
});
