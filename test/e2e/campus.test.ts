/**
 * The campus view in headless Chromium: three real hall shards on a real NATS node and the real
 * campus view; the browser opens the campus's dashboard as it would any server's — every hall
 * drawn live, a hall's heat map in the palette — and, when one shard is killed (-9), the page
 * and the NOC wall name the unreachable hall and say how many halls are live.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ARTIFACTS, launchChromium } from '../helpers/browser.ts';
import { startCampusWorld, type CampusWorld } from '../helpers/campus-world.ts';
import { getJson, notYet, waitFor } from '../helpers/wait.ts';
import { pixelAt, rackOnCanvas } from '../helpers/canvas.ts';
import { PALETTE } from '../../web/src/lib/color-scale.ts';

describe('the campus view in headless Chromium', () => {
  let w: CampusWorld;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    w = await startCampusWorld();
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    page.on('pageerror', (e) => errors.push(e.message));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await w?.stop();
  });

  const racks = () => w.spec.halls.flatMap((h) => h.rows.flatMap((r) => r.racks)).length;

  it('shows every hall of every shard live on the campus dashboard', async () => {
    await waitFor('every rack live on the campus view', async () => {
      const live = (await getJson(`${w.campus.baseUrl}/api/campus`)).hallsLive;
      const totals = await Promise.all(w.hallIds.map((id) => getJson(`${w.campus.baseUrl}/api/halls/${id}`)));
      const n = totals.reduce((s, h) => s + h.totals.racksLive, 0);
      return live === 3 && n === racks() ? n : notYet({ live, racksLive: n });
    }, 30_000);
    await page.goto(w.campus.baseUrl + '/');
    await page.waitForSelector('[data-status="live"]', { timeout: 15_000 });
    for (const id of w.hallIds) {
      await page.waitForFunction((hall) => Number(document.querySelector(`canvas[data-hall="${hall}"]`)?.getAttribute('data-drawn') ?? 0) > 0, id);
    }
    await expect.poll(() => page.locator('.site-kpis .kpi').first().innerText(), { timeout: 10_000 }).toMatch(/IT power\s+\d+(\.\d+)? (MW|kW)/);
    expect(await page.locator('[data-testid="campus-halls"]').count()).toBe(0);
    await page.screenshot({ path: join(ARTIFACTS, 'campus-overview-1920x1080.png') });
    const hallId = w.hallIds[2];
    await page.goto(`${w.campus.baseUrl}/#/hall/${hallId}?metric=return`);
    await page.waitForFunction((hall) => Number(document.querySelector(`canvas[data-hall="${hall}"]`)?.getAttribute('data-drawn') ?? 0) > 0, hallId);
    const site = await getJson(`${w.campus.baseUrl}/api/site`);
    const rackId = w.spec.halls[2].rows[1].racks[2].id;
    const c = await rackOnCanvas(page, site, rackId);
    await expect.poll(async () => (PALETTE as readonly string[]).includes(await pixelAt(page, `canvas[data-hall="${hallId}"]`, c.x, c.y - c.h * 0.3)), { timeout: 10_000 }).toBe(true);
    // The rack panel: its GPUs come from the shard holding the rack, while the panel is open.
    await page.mouse.click(c.pageX, c.pageY);
    await expect.poll(() => page.locator('[data-testid="rack-panel"]').getAttribute('data-rack')).toBe(rackId);
    await expect.poll(() => page.locator('[data-testid="gpu-strip"] .cell').count(), { timeout: 15_000 }).toBe(72);
    await page.screenshot({ path: join(ARTIFACTS, 'campus-rack-panel-1920x1080.png') });
    expect(errors).toEqual([]);
  }, 90_000);

  it('names the hall whose shard is unreachable and how many halls are live', async () => {
    const hallId = w.hallIds[2];
    w.shards.get(hallId)!.proc.kill('SIGKILL');
    await page.goto(w.campus.baseUrl + '/');
    const strip = page.locator('[data-testid="campus-halls"]');
    await expect.poll(() => strip.count(), { timeout: 30_000 }).toBe(1);
    await expect.poll(() => strip.innerText(), { timeout: 10_000 }).toMatch(/2 of 3 halls live/);
    expect(await strip.innerText()).toMatch(new RegExp(`Hall 3: its server shard-${hallId} is unreachable since \\d\\d:\\d\\d:\\d\\d UTC`));
    await page.screenshot({ path: join(ARTIFACTS, 'campus-shard-down-1920x1080.png') });
    // The NOC wall says it too, in its own words, above the maps.
    const wall = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    wall.on('pageerror', (e) => errors.push(e.message));
    await wall.goto(w.campus.baseUrl + '/wall');
    const bar = wall.locator('[data-testid="wall-campus-halls"]');
    await expect.poll(() => bar.count(), { timeout: 15_000 }).toBe(1);
    expect(await bar.innerText()).toMatch(new RegExp(`^2 OF 3 HALLS LIVE — Hall 3: its server shard-${hallId} is unreachable since \\d\\d:\\d\\d:\\d\\d UTC$`));
    await wall.screenshot({ path: join(ARTIFACTS, 'campus-wall-shard-down-1920x1080.png') });
    await w.startShard(hallId);
    await expect.poll(() => strip.count(), { timeout: 30_000 }).toBe(0);
    await expect.poll(() => bar.count(), { timeout: 15_000 }).toBe(0);
    await wall.close();
    expect(errors).toEqual([]);
  }, 120_000);
});
