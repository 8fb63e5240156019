import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { startServer } from '../helpers/programs.ts';
import { ARTIFACTS, launchChromium } from '../helpers/browser.ts';

describe('dashboard login in headless Chromium', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let browser: Browser;

  beforeAll(async () => {
    server = await startServer(['--site', 'sites/demo.json', '--embedded-broker-port', '0', '--print-admin-login', '1'], { auth: true });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('asks for a login, refuses a wrong password, and opens the live dashboard with the right one', async () => {
    const password = /password=(\S+)/.exec(server.output())![1];
    const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    await page.goto(server.baseUrl + '/');
    await page.waitForSelector('[data-testid="login"]');
    await page.screenshot({ path: join(ARTIFACTS, 'login-1920x1080.png') });
    await page.fill('input[name="password"]', 'not-it');
    await page.click('button[type="submit"]');
    await expect.poll(() => page.locator('[role="alert"]').innerText()).toMatch(/wrong password/);
    await page.fill('input[name="password"]', password);
    await page.click('button[type="submit"]');
    await page.waitForSelector('[data-status="live"]', { timeout: 15_000 });
    expect(await page.locator('.user').innerText()).toBe('admin (admin)');
    // The wall also opens with the login (no display token).
    await page.goto(server.baseUrl + '/wall');
    await page.waitForFunction(() => Number(document.querySelector('canvas[data-hall]')?.getAttribute('data-drawn') ?? 0) > 0, null, { timeout: 15_000 });
    await page.close();
  });

  it('lets an admin create a wall URL that works in a browser with no login, and revoke it', async () => {
    const password = /password=(\S+)/.exec(server.output())![1];
    const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
    const page = await context.newPage();
    await page.goto(server.baseUrl + '/');
    await page.fill('input[name="password"]', password);
    await page.click('button[type="submit"]');
    await page.click('[data-testid="admin-link"]');
    // A named layout first: hall 2 only, coloured by flow.
    await page.fill('[data-testid="layout-name"]', 'east');
    await page.check('[data-layout-hall="hall-2"]');
    await page.click('[data-testid="save-layout"]');
    await expect.poll(() => page.locator('[data-testid="admin"] [role="status"]').innerText(), { timeout: 5000 }).toBe('layout "east" saved');
    await page.selectOption('select[title="layout in the URL"]', 'east');
    await page.fill('[data-testid="wall-name"]', 'noc-wall-east');
    await page.click('[data-testid="create-wall"]');
    const secret = await page.locator('[data-testid="admin-secret"] code').innerText({ timeout: 5000 });
    expect(secret).toMatch(new RegExp(`^${server.baseUrl}/wall\\?token=hwd_[^&]+&layout=east$`));
    await page.screenshot({ path: join(ARTIFACTS, 'admin-1920x1080.png') });
    // A kiosk: a fresh browser with no cookies.
    const kiosk = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
    const wall = await kiosk.newPage();
    await wall.goto(secret);
    await wall.waitForFunction(() => Number(document.querySelector('canvas[data-hall]')?.getAttribute('data-drawn') ?? 0) > 0, null, { timeout: 15_000 });
    expect(await wall.locator('[data-testid="wall"]').getAttribute('data-halls')).toBe('hall-2');
    await page.locator('[data-display-token="noc-wall-east"] [data-testid="revoke-wall"]').click();
    await expect.poll(() => page.locator('[data-display-token="noc-wall-east"]').innerText(), { timeout: 5000 }).toMatch(/revoked/);
    await kiosk.close();
    await context.close();
  });
});
