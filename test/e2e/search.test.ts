import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startServer, startSimulator, type Program } from '../helpers/programs.ts';
import { ARTIFACTS, launchChromium } from '../helpers/browser.ts';
import { getJson, seen, waitFor } from '../helpers/wait.ts';

describe('finding a rack or CDU in headless Chromium', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let sim: Program;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    server = await startServer(['--site', 'sites/demo.json', '--embedded-broker-port', '0']);
    sim = await startSimulator(['--site', 'sites/demo.json', '--mqtt', server.mqttUrl, '--control-port', '0']);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    page.on('pageerror', (e) => errors.push(e.message));
    await waitFor('hall 1 racks live', async () => seen((await getJson(`${server.baseUrl}/api/halls/hall-1`)).totals.racksLive, (v) => v > 0));
  });

  afterAll(async () => {
    await browser?.close();
    await sim?.stop();
    await server?.stop();
  });

  it('/ focuses the search box, a typed rack ID lists it first, Enter opens its panel in its hall', async () => {
    await page.goto(server.baseUrl + '/#/?metric=power');
    await page.waitForSelector('[data-status="live"]', { timeout: 15_000 });
    await page.locator('body').click({ position: { x: 5, y: 300 } });
    await page.keyboard.press('/');
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('search-input');
    await page.keyboard.type('r03-k05');
    const results = page.locator('[data-testid="search-results"] li');
    await expect.poll(() => results.first().getAttribute('data-id')).toBe('h1-r03-k05');
    // Arrow down then up comes back to the first; Enter opens it.
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => page.locator('[data-testid="search-results"] li[aria-selected="true"]').getAttribute('data-id')).not.toBe('h1-r03-k05');
    await page.keyboard.press('ArrowUp');
    await page.screenshot({ path: join(ARTIFACTS, 'search-dropdown-1920x1080.png') });
    await page.keyboard.press('Enter');
    const panel = page.locator('[data-testid="rack-panel"]');
    await expect.poll(() => panel.getAttribute('data-rack')).toBe('h1-r03-k05');
    expect(page.url()).toContain('#/hall/hall-1?metric=power&rack=h1-r03-k05');
    expect(await page.locator('[data-testid="search-results"]').count()).toBe(0);
  });

  it('/ typed in a field (here the search box itself) stays in that field, and Esc twice empties and leaves the box', async () => {
    await page.locator('[data-testid="search-input"]').fill('');
    await page.locator('[data-testid="search-input"]').focus();
    await page.keyboard.type('h1/');
    expect(await page.locator('[data-testid="search-input"]').inputValue()).toBe('h1/');
    await page.keyboard.press('Escape');
    await page.keyboard.press('Escape');
    expect(await page.locator('[data-testid="search-input"]').inputValue()).toBe('');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? null)).toBeNull();
  });

  it('a CDU chosen with the mouse opens its panel', async () => {
    await page.locator('[data-testid="search-input"]').fill('h1-r08-cdu-b');
    await page.locator('[data-testid="search-results"] li[data-id="h1-r08-cdu-b"]').click();
    await expect.poll(() => page.url()).toContain('#/hall/hall-1?metric=power&cdu=h1-r08-cdu-b');
    await expect.poll(() => page.locator('[data-testid="cdu-panel"]').getAttribute('data-cdu')).toBe('h1-r08-cdu-b');
  });

  it('lists the worst ten racks of the hall by the chosen measure, and a click opens that rack', async () => {
    await page.goto(server.baseUrl + '/#/hall/hall-1?metric=return');
    const list = page.locator('[data-testid="worst-list"] li button');
    await expect.poll(() => list.count(), { timeout: 10_000 }).toBe(10);
    await page.locator('[data-testid="worst-metric"]').selectOption('power');
    // Ranked again from the live columns: the first entry draws the most power of the ten shown.
    const texts = () => list.locator('.value').allInnerTexts();
    await expect.poll(async () => (await texts()).every((t) => / kW$/.test(t))).toBe(true);
    const values = async () => (await texts()).map((t) => Number.parseFloat(t));
    await expect.poll(async () => { const v = await values(); return v.length === 10 && v.every((x, k) => k === 0 || x <= v[k - 1]); }).toBe(true);
    const id = (await list.nth(2).getAttribute('data-id'))!;
    expect(id).toMatch(/^h1-/);
    await list.nth(2).click();
    const panel = page.locator('[data-testid="rack-panel"]');
    await expect.poll(() => panel.getAttribute('data-rack')).toBe(id);
    await page.screenshot({ path: join(ARTIFACTS, 'worst-list-1920x1080.png') });
  });

  it('lists CDUs by capacity headroom, and a click opens that CDU', async () => {
    await page.locator('[data-testid="worst-metric"]').selectOption('cdu');
    const first = page.locator('[data-testid="worst-list"] li button').first();
    await expect.poll(() => first.getAttribute('data-id')).toMatch(/^h1-r\d\d-cdu-[a-z]$/);
    const id = (await first.getAttribute('data-id'))!;
    await first.click();
    await expect.poll(() => page.url()).toContain(`cdu=${id}`);
    await expect.poll(() => page.locator('[data-testid="cdu-panel"]').getAttribute('data-cdu')).toBe(id);
    expect(errors).toEqual([]);
  });
});
