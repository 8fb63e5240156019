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
    await page.close();
  });
});
