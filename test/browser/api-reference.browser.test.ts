import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpenBrowser, openBrowser } from '../support/browser';
import { type GatewayProcess, startGatewayProcess } from '../support/gateway-process';

/**
 * The API reference at /docs/ in Chromium: Swagger UI from the repository's own files (every
 * request stays on the gateway's origin) and "Try it out" signed in with the local token.
 */
let gateway: GatewayProcess;
let browser: OpenBrowser;

beforeAll(async () => {
  gateway = await startGatewayProcess({ LOCAL_DEMO_USER: 'docs-reader' });
  browser = await openBrowser();
});

afterAll(async () => {
  await browser?.close();
  await gateway?.stop();
});

describe('the API reference page', () => {
  it('renders offline and runs "Try it out" with the pre-filled token', async () => {
    const page = await browser.newPage();
    const origins = new Set<string>();
    page.on('request', (request) => origins.add(new URL(request.url()).origin));

    await page.goto(`${gateway.url}/docs`);
    const operation = page.locator('#operations-account-getCurrentUser');
    await operation.locator('.opblock-summary').click();
    // The lock shows "authorized" once the page has signed in through POST /local/token.
    await page.locator('.auth-wrapper .authorize.locked').waitFor();
    await operation.getByRole('button', { name: 'Execute' }).click();
    const response = operation.locator('.live-responses-table .response');

    await expect.poll(() => response.locator('.response-col_status').first().textContent()).toBe('200');
    expect(await response.locator('.microlight, pre').first().textContent()).toContain(
      '"user_id": "docs-reader"',
    );
    expect([...origins]).toEqual([new URL(gateway.url).origin]);
    expect(browser.pageErrors).toEqual([]);
  });

  it('documents the WebSocket frames beside the HTTP routes', async () => {
    const page = await browser.newPage();

    await page.goto(`${gateway.url}/docs/`);
    await page.getByRole('link', { name: 'Real-time events (WebSocket)' }).click();

    await page.getByRole('heading', { name: 'Frames the server sends' }).waitFor();
    expect(await page.getByText('stream.started', { exact: true }).count()).toBe(1);
  });
});
