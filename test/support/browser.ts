import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterEach, beforeEach, expect } from 'vitest';

/**
 * Debian's Chromium, driven by playwright-core: never a browser downloaded by a test tool.
 * Each call gets a fresh profile (its own user-data folder), removed on close.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface OpenBrowser {
  readonly context: BrowserContext;
  /** Uncaught script errors of the app's pages: a test expects none. */
  readonly pageErrors: string[];
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

export async function openBrowser(): Promise<OpenBrowser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is missing at ${CHROMIUM_PATH}: the browser tests need Debian's package. ` +
        'Install it with `apt-get update && apt-get install -y chromium` (.ci/run does this when it is missing).',
    );
  }
  const profile = mkdtempSync(join(tmpdir(), 'careguide-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS,
    headless: true,
    viewport: { width: 1100, height: 720 },
  });
  context.setDefaultTimeout(20_000);
  const pageErrors: string[] = [];
  return {
    context,
    pageErrors,
    async newPage() {
      const page = await context.newPage();
      page.on('pageerror', (error) => pageErrors.push(error.message));
      return page;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * A fresh browser for each test of the file that calls it (at its top level), closed after the
 * test, whose pages must have thrown no script error. Returns the current test's browser.
 */
export function browserPerTest(): () => OpenBrowser {
  let browser: OpenBrowser | undefined;
  beforeEach(async () => {
    browser = undefined;
    browser = await openBrowser();
  });
  afterEach(async () => {
    // A browser that did not start has failed its test already, with the reason.
    if (!browser) return;
    const errors = [...browser.pageErrors];
    await browser.close();
    expect(errors).toEqual([]);
  });
  return () => {
    if (!browser) throw new Error('No browser is open: browserPerTest() runs around each test.');
    return browser;
  };
}

/** Signs in to the web app at `appUrl` with the local sign-in (a user name). */
export async function signIn(page: Page, appUrl: string, user: string): Promise<void> {
  await page.goto(appUrl);
  await page.getByLabel('User name').fill(user);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'New room' }).waitFor();
}

/** Creates a room through the web app's "New room" dialog and waits until it is open. */
export async function createRoom(page: Page, name: string): Promise<void> {
  await page.getByRole('button', { name: 'New room' }).click();
  await page.getByRole('textbox', { name: 'Room name' }).fill(name);
  await page.getByRole('button', { name: 'Create' }).click();
  await page.getByRole('heading', { name, level: 2 }).waitFor();
  await page.getByRole('dialog').waitFor({ state: 'hidden' });
}
