/**
 * The hall replay in headless Chromium against the real server and simulator (memory window, no
 * InfluxDB): it opens on a filled frame (racks and CDUs of the newest stored minute, KPIs of that
 * minute marked as replay), steps and plays, shows incidents on its slider, and its URL restores it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startServer, startSimulator, type Program } from '../helpers/programs.ts';
import { ARTIFACTS, launchChromium } from '../helpers/browser.ts';
import { getJson, notYet, waitFor } from '../helpers/wait.ts';
import { pixelAt } from '../helpers/canvas.ts';
import { HALL_VIEW_MAX_ASPECT, layoutHall } from '../../web/src/lib/hall-layout.ts';
import { PALETTE } from '../../web/src/lib/color-scale.ts';
import { fmt } from '../../web/src/lib/metrics.ts';
import { MINUTE_MS, floorMinute } from '../../web/src/lib/replay.ts';
import type { SiteView } from '../../protocol/site-view.ts';
import type { HallSnapshot } from '../../protocol/history.ts';

const CANVAS = 'canvas[data-hall="hall-1"]';

/** Colour of the hall canvas's pixel at (x, y) CSS px, as #rrggbb. */
const pixel = (page: Page, x: number, y: number) => pixelAt(page, CANVAS, x, y);

const replayOf = (url: string) => Number(new URLSearchParams(url.split('?')[1] ?? '').get('replay'));

describe('hall replay in headless Chromium', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let sim: Program;
  let browser: Browser;
  let page: Page;
  let site: SiteView;
  let controlPort: number;
  const errors: string[] = [];

  beforeAll(async () => {
    server = await startServer(['--site', 'sites/demo.json', '--embedded-broker-port', '0']);
    sim = await startSimulator(['--site', 'sites/demo.json', '--mqtt', server.mqttUrl, '--control-port', '0']);
    controlPort = Number(/control=(\d+)/.exec(sim.readyLine)![1]);
    site = await getJson(`${server.baseUrl}/api/site`);
    // Two stored minutes: a finished one to open on, and the one under way to step to.
    await waitFor('two minutes of hall-1 totals', async () => {
      const h = await getJson(`${server.baseUrl}/api/history?entity=hall:hall-1&fields=racksLive&from=now-10m&step=60s`);
      const minutes = h.values.racksLive.filter((v: number | null) => v !== null && v > 0).length;
      return minutes >= 2 || notYet({ minutes });
    }, 100_000, 1000);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    page.on('pageerror', (e) => errors.push(e.message));
  });

  afterAll(async () => {
    await browser?.close();
    await sim?.stop();
    await server?.stop();
  });

  /** Layout of hall-1 on its canvas, as the dashboard computes it. */
  async function layout() {
    const box = (await page.locator(CANVAS).boundingBox())!;
    const hall = site.halls.find((h) => h.id === 'hall-1')!;
    return layoutHall(site, hall, box.width, box.height, true, { maxAspect: HALL_VIEW_MAX_ASPECT });
  }

  it('opens on the newest finished minute with racks and CDUs drawn and the KPIs of that minute marked as replay', async () => {
    await page.goto(server.baseUrl + '/#/hall/hall-1?metric=return');
    await page.waitForFunction((sel) => Number(document.querySelector(sel)?.getAttribute('data-drawn') ?? 0) > 0, CANVAS);
    await page.check('[data-testid="replay-toggle"]');
    const replay = page.locator('[data-testid="hall-replay"]');
    await expect.poll(() => replay.getAttribute('data-racks'), { timeout: 10_000 }).toMatch(/^[1-9]\d*$/);
    const atMs = replayOf(page.url());
    // Not the minute under way: the server has a finished one.
    expect(atMs).toBe(floorMinute(atMs));
    expect(atMs + MINUTE_MS).toBeLessThanOrEqual(Date.now());
    expect(Number(await replay.getAttribute('data-at-ms'))).toBe(atMs);
    const snap: HallSnapshot = await getJson(`${server.baseUrl}/api/history/hall?hall=hall-1&field=returnC&at=${atMs}`);
    const hallCdus = site.cdus.filter((c) => c.hallId === 'hall-1');
    expect(Number(await replay.getAttribute('data-racks'))).toBe(Object.keys(snap.racks).length);
    expect(Object.keys(snap.racks).length).toBe(site.racks.filter((r) => r.hallId === 'hall-1').length);
    expect(Number(await replay.getAttribute('data-cdus'))).toBe(hallCdus.length);
    expect(snap.cdus[hallCdus[0].id].headroomPct).toEqual(expect.any(Number));
    // Racks and CDU boxes are painted in the palette (no data would be grey).
    const l = await layout();
    const rack = l.racks[0].rect;
    const cdu = l.cdus.find((c) => c.index === hallCdus[0].index)!.rect;
    expect(PALETTE as readonly string[]).toContain(await pixel(page, rack.x + rack.w / 2, rack.y + rack.h * 0.2));
    expect(PALETTE as readonly string[]).toContain(await pixel(page, cdu.x + cdu.w / 2, cdu.y + cdu.h / 2));
    // The KPIs are that minute's means, marked as replay.
    await expect.poll(() => page.locator('[data-testid="kpi-replay"]').innerText()).toMatch(/replay — not live/i);
    const itPower = page.locator('.kpis .kpi', { hasText: 'IT power' }).locator('.v');
    expect(await itPower.innerText()).toBe(fmt(snap.totals.itKw! / 1000, 'MW', 2));
    await page.screenshot({ path: join(ARTIFACTS, 'replay-first-frame-1920x1080.png') });
  });

  it('steps a minute on and back, and opening its URL restores the moment', async () => {
    const atMs = replayOf(page.url());
    await page.click('[data-testid="replay-forward"]');
    await expect.poll(() => replayOf(page.url())).toBe(atMs + MINUTE_MS);
    await expect.poll(() => page.locator('[data-testid="hall-replay"]').getAttribute('data-at-ms')).toBe(String(atMs + MINUTE_MS));
    await page.click('[data-testid="replay-back"]');
    await expect.poll(() => replayOf(page.url())).toBe(atMs);
    // Back is held where stored data begins (the server started a few minutes ago).
    const back = page.locator('[data-testid="replay-back"]');
    for (let k = 0; k < 10 && !(await back.isDisabled()); k++) await back.click();
    expect(await back.isDisabled()).toBe(true);
    const oldestMs = replayOf(page.url());
    const snapAt = (ms: number) => getJson(`${server.baseUrl}/api/history/hall?hall=hall-1&field=returnC&at=${ms}`);
    expect(Object.keys((await snapAt(oldestMs)).racks).length).toBeGreaterThan(0);
    expect(Object.keys((await snapAt(oldestMs - MINUTE_MS)).racks)).toEqual([]);
    const other = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    try {
      await other.goto(page.url());
      const replay = other.locator('[data-testid="hall-replay"]');
      await expect.poll(() => replay.getAttribute('data-at-ms'), { timeout: 10_000 }).toBe(String(oldestMs));
      expect(Number(await replay.getAttribute('data-racks'))).toBeGreaterThan(0);
      expect(await other.locator('[data-testid="replay-toggle"]').isChecked()).toBe(true);
      expect(await other.locator('.kpis').first().getAttribute('data-replay-ms')).toBe(String(oldestMs));
      await other.screenshot({ path: join(ARTIFACTS, 'replay-restored-1366x768.png') });
    } finally {
      await other.close();
    }
  });

  it('plays at 60× to the newest minute, then stops', async () => {
    await page.selectOption('[data-testid="replay-speed"]', '60');
    await page.click('[data-testid="replay-play"]');
    await expect.poll(() => page.locator('[data-testid="replay-when"]').innerText(), { timeout: 10_000 }).toBe('this minute');
    await expect.poll(() => page.locator('[data-testid="replay-play"]').count()).toBe(1);
    // The minute under way (one before, should a minute have ended since).
    expect(floorMinute(Date.now()) - replayOf(page.url())).toBeLessThanOrEqual(MINUTE_MS);
  });

  it('marks an incident on the slider where it started, and jumps there when clicked or from the open incident\'s Replay link', async () => {
    const res = await fetch(`http://127.0.0.1:${controlPort}/faults`, { method: 'POST', body: 'cdu-trip:h1-r08-cdu-b' });
    expect(res.status).toBe(200);
    const incident = await waitFor('the CDU trip incident', async () => {
      const a = await getJson(`${server.baseUrl}/api/alerts`);
      return a.incidents.find((i: { hallId: string }) => i.hallId === 'hall-1') ?? notYet(a.incidents.length);
    }, 20_000, 250);
    const tick = page.locator(`[data-testid="replay-tick"][data-incident="${incident.id}"]`);
    await expect.poll(() => tick.count(), { timeout: 20_000 }).toBe(1);
    await page.click('[data-testid="replay-back"]');
    await tick.click();
    await expect.poll(() => replayOf(page.url())).toBe(floorMinute(incident.startedMs));
    await page.screenshot({ path: join(ARTIFACTS, 'replay-incident-tick-1920x1080.png') });
    // From the live hall: the open incident's own Replay link opens the minute it started.
    await page.goto(`${server.baseUrl}/#/hall/hall-1?metric=return`);
    const row = page.locator(`.incident[data-incident="${incident.id}"]`);
    await row.locator('[data-testid="incident-toggle"]').click();
    await page.locator(`[data-testid="incident-detail"][data-incident="${incident.id}"] [data-testid="incident-replay"]`).click();
    await expect.poll(() => replayOf(page.url())).toBe(floorMinute(incident.startedMs));
    await expect.poll(() => page.locator('[data-testid="hall-replay"]').getAttribute('data-at-ms'), { timeout: 10_000 }).toBe(String(floorMinute(incident.startedMs)));
    expect(errors).toEqual([]);
  });
});
