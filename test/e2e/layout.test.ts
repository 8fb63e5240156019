/**
 * The hall page fits the window on the demo site in headless Chromium: the whole heat map is on
 * screen at 1366×768 and 1920×1080 (and in the narrow layout's strip at 1024×768) with no
 * incident and with several open and one expanded; a wheel over the map scrolls the page unless
 * the map has focus or Ctrl is held, and then it zooms. The header keeps the hall in its
 * breadcrumb down to 1024 px.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startServer, startSimulator, type Program } from '../helpers/programs.ts';
import { ARTIFACTS, launchChromium } from '../helpers/browser.ts';
import { getJson, notYet, seen, waitFor } from '../helpers/wait.ts';

const MAP = 'canvas[data-hall="hall-1"]';

describe('hall page layout and the wheel over the map', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let sim: Program;
  let browser: Browser;
  let page: Page;
  let fault: (cmd: string) => Promise<void>;

  beforeAll(async () => {
    server = await startServer(['--site', 'sites/demo.json', '--embedded-broker-port', '0']);
    sim = await startSimulator(['--site', 'sites/demo.json', '--mqtt', server.mqttUrl, '--control-port', '0']);
    const controlPort = Number(/control=(\d+)/.exec(sim.readyLine)![1]);
    fault = async (cmd) => {
      const res = await fetch(`http://127.0.0.1:${controlPort}/faults`, { method: 'POST', body: cmd });
      if (!res.ok) throw new Error(`${cmd}: HTTP ${res.status}`);
    };
    await waitFor('all racks live', async () => seen((await getJson(`${server.baseUrl}/api/halls/hall-1`)).totals.racksLive, (v) => v === 208), 20_000);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    (page as any).errors = errors;
    await page.goto(`${server.baseUrl}/#/hall/hall-1?metric=return`);
    await page.waitForFunction((sel) => Number(document.querySelector(sel)?.getAttribute('data-drawn') ?? 0) > 0, MAP);
  });

  afterAll(async () => {
    await browser?.close();
    await sim?.stop();
    await server?.stop();
  });

  /** The map's box against the viewport, at the top of the page. */
  const mapFit = () => page.evaluate((sel) => {
    const r = document.querySelector(sel)!.getBoundingClientRect();
    const box = { top: r.top + scrollY, left: r.left, bottom: r.bottom + scrollY, right: r.right, w: innerWidth, h: innerHeight };
    return { ...box, inside: r.width > 200 && r.height > 200 && box.top >= 0 && box.left >= 0 && box.bottom <= box.h && box.right <= box.w };
  }, MAP);
  /** At `w`×`h`, waits for the map to be laid out wholly inside the viewport (a timeout says where it was). */
  async function expectMapInside(w: number, h: number, shot: string) {
    await page.setViewportSize({ width: w, height: h });
    await waitFor(`the map inside ${w}×${h}`, async () => {
      const f = await mapFit();
      return f.inside || notYet(f);
    }, 5000);
    await page.screenshot({ path: join(ARTIFACTS, `${shot}-${w}x${h}.png`) });
  }
  const zoomOf = async () => (await page.locator(MAP).getAttribute('data-zoom'))!.split(',').map(Number)[0];
  /** Two frames after an input: a zoom it caused has been painted, a scroll has started. */
  const twoFrames = () => page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));

  it.each([[1024, 768], [1366, 768]])('keeps the hall in the header\'s breadcrumb at %i×%i, the site name giving way first', async (w, h) => {
    await page.setViewportSize({ width: w, height: h });
    await page.goto(`${server.baseUrl}/#/hall/hall-1?metric=return&rack=h1-r03-k05`);
    const hall = page.locator('header .crumbs a', { hasText: 'Hall 1' });
    await hall.waitFor();
    const fit = await page.evaluate(() => {
      const crumbs = document.querySelector('header .crumbs')!.getBoundingClientRect();
      const link = [...document.querySelectorAll('header .crumbs a')].find((a) => a.textContent === 'Hall 1')!.getBoundingClientRect();
      return { crumbs: [crumbs.left, crumbs.right], hall: [link.left, link.right], width: link.width };
    });
    expect(fit.width, JSON.stringify(fit)).toBeGreaterThan(20);
    expect(fit.hall[0], JSON.stringify(fit)).toBeGreaterThanOrEqual(fit.crumbs[0]);
    expect(fit.hall[1], JSON.stringify(fit)).toBeLessThanOrEqual(fit.crumbs[1]);
    await page.goto(`${server.baseUrl}/#/hall/hall-1?metric=return`);
    await page.waitForFunction((sel) => Number(document.querySelector(sel)?.getAttribute('data-drawn') ?? 0) > 0, MAP);
  });

  it('shows the whole map at 1366×768 and 1920×1080, and in the narrow strip layout, before any fault', async () => {
    await expectMapInside(1366, 768, 'layout-quiet');
    await expectMapInside(1920, 1080, 'layout-quiet');
    await expectMapInside(1024, 768, 'layout-quiet');
  });

  it('keeps the whole map on screen with several incidents open and one expanded, the list scrolling beside it', async () => {
    for (const f of ['cdu-trip:h1-r08-cdu-b', 'leak:h1-r02-k12', 'offline:h1-r06-k09', 'cdu-trip:h1-r11-cdu-a', 'leak:h1-r12-k03']) await fault(f);
    await waitFor('at least 4 incidents listed', async () => {
      const n = Number(await page.locator('[data-testid="incidents"]').getAttribute('data-count'));
      return n >= 4 || notYet(n);
    }, 30_000, 250);
    await page.locator('.incident[data-incident="group:h1-r08"] [data-testid="incident-toggle"]').click();
    await page.waitForSelector('[data-testid="incident-detail"][data-incident="group:h1-r08"]');
    await expectMapInside(1366, 768, 'layout-incidents');
    await expectMapInside(1920, 1080, 'layout-incidents');
    await expectMapInside(1024, 768, 'layout-incidents');
    // Folding the incidents away keeps the map whole too.
    await page.click('[data-testid="incidents-fold"]');
    await expect.poll(() => page.locator('[data-testid="incident-toggle"]').count()).toBe(0);
    expect((await mapFit()).inside).toBe(true);
    await page.click('[data-testid="incidents-fold"]');
    await expect.poll(() => page.locator('[data-testid="incident-detail"]').count()).toBe(1);
    expect((page as any).errors).toEqual([]);
  });

  it('scrolls the page on a wheel over the unfocused map, zooms on Ctrl+wheel or once the map has focus', async () => {
    await page.setViewportSize({ width: 1366, height: 768 });
    // The hall page fits the window: something below it lets the page scroll, as a taller page would.
    await page.evaluate(() => {
      const spacer = Object.assign(document.createElement('div'), { id: 'spacer' });
      spacer.style.height = '2000px';
      document.body.append(spacer);
      (document.activeElement as HTMLElement | null)?.blur();
      scrollTo(0, 0);
    });
    const box = (await page.locator(MAP).boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    expect(await page.locator('[data-testid="zoom-hint"]').innerText()).toBe('Ctrl+wheel or click to zoom');
    // Down: the page scrolls, the map stays whole.
    await page.mouse.wheel(0, 300);
    await expect.poll(() => page.evaluate(() => scrollY)).toBeGreaterThan(0);
    await twoFrames();
    expect(await zoomOf()).toBe(1);
    // Up over the map (it moved up with the page; the cursor is still over it): the page scrolls back.
    const scrolled = await page.evaluate(() => scrollY);
    const now = (await page.locator(MAP).boundingBox())!;
    await page.mouse.move(now.x + now.width / 2, now.y + now.height / 2);
    await page.mouse.wheel(0, -100);
    await expect.poll(() => page.evaluate(() => scrollY)).toBeLessThan(scrolled);
    await twoFrames();
    expect(await zoomOf()).toBe(1);
    // Ctrl+wheel up zooms the map and leaves the page where it was.
    await page.evaluate(() => scrollTo(0, 0));
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.keyboard.down('Control');
    await page.mouse.wheel(0, -100);
    await page.keyboard.up('Control');
    await expect.poll(zoomOf).toBeGreaterThan(1);
    expect(await page.evaluate(() => scrollY)).toBe(0);
    // Focused (as a click leaves it), a plain wheel zooms; Escape gives the wheel back to the page.
    await page.click('[data-testid="zoom-reset"]');
    await page.locator(MAP).focus();
    await expect.poll(() => page.locator('[data-testid="zoom-hint"]').innerText()).toMatch(/^Wheel zooms/);
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.wheel(0, -200);
    await expect.poll(zoomOf).toBeGreaterThan(1);
    expect(await page.evaluate(() => scrollY)).toBe(0);
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('[data-testid="zoom-hint"]').innerText()).toBe('Ctrl+wheel or click to zoom');
    const zoomed = await zoomOf();
    await page.mouse.wheel(0, 300);
    await expect.poll(() => page.evaluate(() => scrollY)).toBeGreaterThan(0);
    await twoFrames();
    expect(await zoomOf()).toBe(zoomed);
    await page.evaluate(() => document.getElementById('spacer')!.remove());
    expect((page as any).errors).toEqual([]);
  });
});
