/**
 * The rack and CDU panels and the hall drill-down read as charts should, in headless Chromium:
 * distinct hues for power and return, a tooltip that gets out of the way of the panel a click
 * opens, Enter acknowledging an incident, and hall power in MW with the hottest rack named.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startServer, startSimulator, type Program } from '../helpers/programs.ts';
import { ARTIFACTS, launchChromium } from '../helpers/browser.ts';
import { getJson, notYet, seen, waitFor } from '../helpers/wait.ts';
import { rackOnCanvas } from '../helpers/canvas.ts';
import type { SiteView } from '../../protocol/site-view.ts';

/** Hue of a CSS colour (rgb(…) or #rrggbb), degrees. */
function hueOf(css: string): number {
  const m = /rgba?\((\d+),\s*(\d+),\s*(\d+)/.exec(css) ?? /#(..)(..)(..)/.exec(css);
  if (!m) throw new Error(`not a colour: ${css}`);
  const [r, g, b] = m.slice(1, 4).map((x) => (css.startsWith('#') ? parseInt(x, 16) : Number(x)) / 255);
  const max = Math.max(r, g, b);
  const d = max - Math.min(r, g, b);
  if (d === 0) return 0;
  const h = max === r ? ((g - b) / d) % 6 : max === g ? (b - r) / d + 2 : (r - g) / d + 4;
  return (h * 60 + 360) % 360;
}

describe('panels and history charts in headless Chromium', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let sim: Program;
  let browser: Browser;
  let page: Page;
  let site: SiteView;
  let fault: (cmd: string) => Promise<void>;
  const errors: string[] = [];

  beforeAll(async () => {
    server = await startServer(['--site', 'sites/demo.json', '--embedded-broker-port', '0']);
    sim = await startSimulator(['--site', 'sites/demo.json', '--mqtt', server.mqttUrl, '--control-port', '0']);
    const controlPort = Number(/control=(\d+)/.exec(sim.readyLine)![1]);
    fault = async (cmd) => {
      const res = await fetch(`http://127.0.0.1:${controlPort}/faults`, { method: 'POST', body: cmd });
      if (!res.ok) throw new Error(`${cmd}: HTTP ${res.status}`);
    };
    site = await getJson(`${server.baseUrl}/api/site`);
    await waitFor('all racks of hall-1 live', async () => seen((await getJson(`${server.baseUrl}/api/halls/hall-1`)).totals.racksLive, (v) => v === 208));
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    page.on('pageerror', (e) => errors.push(e.message));
  });

  afterAll(async () => {
    await browser?.close();
    await sim?.stop();
    await server?.stop();
  });

  /** Centre of a rack on the hall canvas, in page coordinates, from the dashboard's own layout. */
  const rackCentre = async (rackId: string) => {
    const r = await rackOnCanvas(page, site, rackId);
    return { x: r.pageX, y: r.pageY };
  };

  it('draws the rack panel\'s power and return in different hues', async () => {
    await page.goto(`${server.baseUrl}/#/hall/hall-1?rack=h1-r03-k05`);
    const legend = page.locator('[data-testid="rack-chart"] .u-legend');
    await legend.waitFor();
    const marker = (label: string) =>
      legend.locator('.u-series', { hasText: label }).locator('.u-marker').evaluate((el) => getComputedStyle(el).borderColor);
    const power = await marker('Power kW');
    const ret = await marker('Return °C');
    expect(power).not.toBe(ret);
    const apart = Math.abs(hueOf(power) - hueOf(ret));
    expect(Math.min(apart, 360 - apart), `power ${power} vs return ${ret}`).toBeGreaterThan(60);
  });

  it('puts the tooltip away when a click opens the panel, and shows it again on another rack', async () => {
    await page.goto(`${server.baseUrl}/#/hall/hall-1?metric=return`);
    await page.waitForFunction(() => Number(document.querySelector('canvas[data-hall="hall-1"]')?.getAttribute('data-drawn') ?? 0) > 0);
    const tip = page.locator('[role="tooltip"]');
    const a = await rackCentre('h1-r04-k06');
    await page.mouse.move(a.x, a.y);
    await expect.poll(() => tip.innerText()).toContain('h1-r04-k06');
    await page.mouse.click(a.x, a.y);
    await page.waitForSelector('[data-testid="rack-panel"][data-rack="h1-r04-k06"]');
    // The pointer is still on the rack (and moves within it): the panel is not covered.
    await page.mouse.move(a.x + 1, a.y + 1);
    await expect.poll(() => tip.count()).toBe(0);
    const b = await rackCentre('h1-r05-k02');
    await page.mouse.move(b.x, b.y, { steps: 4 });
    await expect.poll(() => tip.innerText()).toContain('h1-r05-k02');
  });

  it('acknowledges an incident when Enter is pressed in the comment', async () => {
    await page.goto(`${server.baseUrl}/#/hall/hall-1`);
    await fault('cdu-trip:h1-r08-cdu-b');
    const incident = page.locator('.incident[data-incident="group:h1-r08"]');
    await expect.poll(() => incident.count(), { timeout: 15_000 }).toBe(1);
    await incident.locator('[data-testid="ack"]').click();
    const comment = incident.locator('[data-testid="ack-comment"]');
    await comment.fill('pump B swap scheduled');
    await comment.press('Enter');
    await waitFor('the acknowledgement stored', async () => {
      const a = await getJson(`${server.baseUrl}/api/alerts`);
      const i = a.incidents.find((x: any) => x.id === 'group:h1-r08');
      return i?.acknowledged?.comment === 'pump B swap scheduled' ? i : notYet(i?.acknowledged ?? 'not acknowledged');
    }, 10_000);
    await fault('clear-all');
  });

  it('shows a 21 MW hall in MW, names the hottest rack, lists rows, and takes times as 24-hour ISO', async () => {
    await page.goto(`${server.baseUrl}/#/history/hall/hall-1?from=now-15m&to=now`);
    const power = page.locator('[data-testid="history-chart"][data-title="IT power and heat to liquid"]');
    await expect.poll(async () => Number(await power.getAttribute('data-points')), { timeout: 15_000 }).toBeGreaterThan(3);
    expect(await power.getAttribute('data-unit')).toBe('MW');
    expect(await power.locator('figcaption').innerText()).toContain('(MW)');
    expect(await power.locator('.u-legend').innerText()).toContain('IT power (MW)');
    const hottest = page.locator('[data-testid="history-chart"][data-title="Hottest return"] [data-testid="chart-note"]');
    await expect.poll(() => hottest.innerText(), { timeout: 15_000 }).toMatch(/^hottest: rack h1-r\d\d-k\d\d \(\d+\.\d °C at \d\d:\d\d:\d\d\)$/);
    const rows = page.locator('[data-testid="row-summary"] tr[data-row]');
    await expect.poll(() => rows.count()).toBe(site.halls.find((h) => h.id === 'hall-1')!.rows.length);
    expect(await rows.first().locator('[data-field="hottest"]').innerText()).toMatch(/^h1-r01-k\d\d$/);
    expect(await page.locator('[data-testid="range-from"]').inputValue()).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d$/);
    expect(await page.locator('[data-testid="range-zone"]').innerText()).toMatch(/^UTC([+-]\d\d:\d\d)?, 24 h$/);
    await page.screenshot({ path: join(ARTIFACTS, 'hall-history-1366x768.png'), fullPage: true });
    // A rack of 125 kW stays in kW, like its panel.
    await page.goto(`${server.baseUrl}/#/history/rack/h1-r03-k05?from=now-15m&to=now`);
    const rack = page.locator('[data-testid="history-chart"][data-title="Power and heat to liquid"]');
    await expect.poll(() => rack.getAttribute('data-unit')).toBe('kW');
    expect(errors).toEqual([]);
  });
});
