/**
 * The heat map and its legend in the metric's own palette, in headless Chromium at 1920×1080 on
 * the demo site: return temperature in the diverging palette, rack power in the sequential one,
 * switching back and forth through the "Colour by" menu (the kept layer repaints every tile,
 * also those whose class index stays the same).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startServer, startSimulator, type Program } from '../helpers/programs.ts';
import { ARTIFACTS, launchChromium } from '../helpers/browser.ts';
import { getJson, seen, waitFor } from '../helpers/wait.ts';
import { HALL_VIEW_MAX_ASPECT, layoutHall } from '../../web/src/lib/hall-layout.ts';
import { PALETTE, SEQUENTIAL } from '../../web/src/lib/color-scale.ts';
import type { SiteView } from '../../protocol/site-view.ts';

const CANVAS = 'canvas[data-hall="hall-1"]';

describe('heat-map palettes in the browser', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let sim: Program;
  let browser: Browser;
  let page: Page;
  let site: SiteView;

  beforeAll(async () => {
    server = await startServer(['--site', 'sites/demo.json', '--embedded-broker-port', '0']);
    sim = await startSimulator(['--site', 'sites/demo.json', '--mqtt', server.mqttUrl, '--seed', '5']);
    site = await getJson(`${server.baseUrl}/api/site`);
    await waitFor('all racks live', async () => seen((await getJson(`${server.baseUrl}/api/halls/hall-1`)).totals.racksLive, (v) => v === 208), 20_000);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
  });

  afterAll(async () => {
    await browser?.close();
    await sim?.stop();
    await server?.stop();
  });

  /** Colours (#rrggbb) of the tile centres of hall 1's racks, read off the canvas. */
  async function tileColours(): Promise<string[]> {
    const box = (await page.locator(CANVAS).boundingBox())!;
    const hall = site.halls.find((h) => h.id === 'hall-1')!;
    const layout = layoutHall(site, hall, box.width, box.height, true, { maxAspect: HALL_VIEW_MAX_ASPECT });
    // Above the centre: clear of a label or a mark drawn over the middle of a tile.
    const points = layout.racks.map(({ rect }) => [rect.x + rect.w / 2, rect.y + rect.h * 0.2]);
    return page.$eval(CANVAS, (el, pts) => {
      const c = el as HTMLCanvasElement;
      const dpr = c.width / c.getBoundingClientRect().width;
      const ctx = c.getContext('2d')!;
      return pts.map(([x, y]) => {
        const d = ctx.getImageData(Math.round(x * dpr), Math.round(y * dpr), 1, 1).data;
        return '#' + [d[0], d[1], d[2]].map((v) => v.toString(16).padStart(2, '0')).join('');
      });
    }, points);
  }

  /** Waits until every tile is drawn in `palette` and the legend names it. */
  async function drawnIn(palette: readonly string[], kind: string) {
    await expect.poll(() => page.locator('[data-testid="legend-scale"]').getAttribute('data-palette')).toBe(kind);
    await waitFor(`every tile in the ${kind} palette`, async () => {
      const colours = await tileColours();
      return seen(colours, (cs) => cs.every((c) => palette.includes(c)));
    }, 10_000);
    const legend = await page.locator('[data-testid="legend-scale"] .swatch').evaluateAll((els) => els.map((e) => getComputedStyle(e).backgroundColor));
    const hex = (rgb: string) => '#' + (rgb.match(/\d+/g) ?? []).slice(0, 3).map((v) => Number(v).toString(16).padStart(2, '0')).join('');
    expect(legend.map(hex)).toEqual([...palette]);
  }

  it('draws return temperature diverging, rack power sequential (full load not red), and back', async () => {
    await page.goto(`${server.baseUrl}/#/hall/hall-1?metric=return`);
    await page.waitForFunction((sel) => Number(document.querySelector(sel)?.getAttribute('data-drawn') ?? 0) > 0, CANVAS);
    await drawnIn(PALETTE, 'diverging');
    await page.selectOption('[data-testid="metric-select"]', 'power');
    await drawnIn(SEQUENTIAL, 'sequential');
    // Racks at full load take the sequential palette's top classes: none is drawn in a red of the diverging one.
    const reds = PALETTE.slice(6) as readonly string[];
    expect((await tileColours()).filter((c) => reds.includes(c))).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'palette-power-1920x1080.png') });
    await page.selectOption('[data-testid="metric-select"]', 'return');
    await drawnIn(PALETTE, 'diverging');
  }, 60_000);
});
