import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { startServer } from '../helpers/programs.ts';
import { launchChromium } from '../helpers/browser.ts';
import { pixelAt } from '../helpers/canvas.ts';
import { generateSite } from '../../simulators/generate-site.ts';
import { entityTopic } from '../../protocol/topics.ts';
import { returnForLoadC } from '../../protocol/coolant.ts';
import { HALL_VIEW_MAX_ASPECT, layoutHall } from '../../web/src/lib/hall-layout.ts';
import { PALETTE, classOf } from '../../web/src/lib/color-scale.ts';
import { metricById } from '../../web/src/lib/metrics.ts';
import type { SiteView } from '../../protocol/site-view.ts';

// A 2,500-rack hall fed steady, physically consistent values, so the only colour change on the
// heat map is the one this test makes.
const spec = generateSite({ halls: 1, rows: 50, racksPerRow: 50, racksPerCdu: 10, name: 'Layer test' });
const racks = spec.halls[0].rows.flatMap((r) => r.racks.map((k) => k.id));
const CHANGED = racks[1234];
// Near the hall's centre: on screen when zoomed in at the centre.
const CHANGED_ZOOMED = racks[25 * 50 + 25];
const flowLpm = 150;
const liquidKw = 90;
const steady = { supplyC: 40, returnC: returnForLoadC('water', liquidKw, flowLpm, 40) };
// The same heat at a lower supply: another colour class of return temperature, nothing alarming.
const moved = { supplyC: 36, returnC: returnForLoadC('water', liquidKw, flowLpm, 36) };
const returnScale = metricById('return').scale;

const CANVAS = 'canvas[data-hall="hall-1"]';

/** The whole canvas as one string of its pixels (compared, never printed). */
const pixels = (page: Page) =>
  page.$eval(CANVAS, (el) => {
    const c = el as HTMLCanvasElement;
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let h = 0;
    for (let i = 0; i < d.length; i++) h = (Math.imul(h, 31) + d[i]) | 0;
    return `${c.width}x${c.height}:${h}`;
  });

const pixel = (page: Page, x: number, y: number) => pixelAt(page, CANVAS, x, y);

const repainted = async (page: Page) => Number(await page.getAttribute(CANVAS, 'data-repainted-tiles'));
/** The stream version the heat map last drew: it grows with every frame of fresh values drawn. */
const drawnVersion = async (page: Page) => Number(await page.getAttribute(CANVAS, 'data-drawn'));

/** Tiles repainted so far, read once the heat map has drawn `frames` more frames of fresh values than now. */
async function repaintedAfterFrames(page: Page, frames: number): Promise<number> {
  const from = await drawnVersion(page);
  await expect.poll(() => drawnVersion(page), { timeout: 10_000 }).toBeGreaterThanOrEqual(from + frames);
  return repainted(page);
}

describe('heat map kept layer in headless Chromium', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let pub: MqttClient;
  let browser: Browser;
  let page: Page;
  let timer: NodeJS.Timeout;
  let changedValues = steady;
  let zoomedValues = steady;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hallwatch-layer-'));
    writeFileSync(join(dir, 'site.json'), JSON.stringify(spec));
    server = await startServer(['--site', join(dir, 'site.json'), '--embedded-broker-port', '0']);
    pub = await mqtt.connectAsync(server.mqttUrl, { protocolVersion: 4 });
    const publishAll = () => {
      for (const id of racks) {
        const v = id === CHANGED ? changedValues : id === CHANGED_ZOOMED ? zoomedValues : steady;
        pub.publish(entityTopic('hallwatch/v1', 'hall-1', 'rack', id, 'telemetry'), JSON.stringify({ ts: Date.now(), rackKw: 100, flowLpm, ...v }));
      }
    };
    publishAll();
    timer = setInterval(publishAll, 1000);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
  }, 60_000);

  afterAll(async () => {
    clearInterval(timer);
    await browser?.close();
    await pub?.endAsync();
    await server?.stop();
  });

  const steadyColour = PALETTE[classOf(returnScale, steady.returnC)];
  const movedColour = PALETTE[classOf(returnScale, moved.returnC)];

  /** The centre on screen of rack `id` at zoom [scale, x, y]: world × scale + offset. */
  async function centreOf(id: string, [scale, zx, zy] = [1, 0, 0]): Promise<{ x: number; y: number }> {
    const site = (await (await fetch(`${server.baseUrl}/api/site`)).json()) as SiteView;
    const box = (await page.locator(CANVAS).boundingBox())!;
    const layout = layoutHall(site, site.halls[0], box.width, box.height, true, { maxAspect: HALL_VIEW_MAX_ASPECT });
    const rect = layout.racks.find((r) => r.index === site.racks.find((k) => k.id === id)!.index)!.rect;
    const centre = { x: (rect.x + rect.w / 2) * scale + zx, y: (rect.y + rect.h / 2) * scale + zy };
    expect(centre.x).toBeGreaterThan(0);
    expect(centre.x).toBeLessThan(box.width);
    return centre;
  }

  /**
   * Waits for the rack at `centre` to show the steady colour and for the canvas to settle, checks
   * nothing is repainted while the values hold, applies `change`, and returns the canvas once
   * exactly one tile has been repainted.
   */
  async function changeOneTile(centre: { x: number; y: number }, change: () => void): Promise<string> {
    expect(movedColour).not.toBe(steadyColour);
    await expect.poll(() => pixel(page, centre.x, centre.y), { timeout: 10_000 }).toBe(steadyColour);
    // Fresh frames of the same values (the test publishes every rack each second) repaint nothing.
    const settled = await repaintedAfterFrames(page, 2);
    expect(await repaintedAfterFrames(page, 4)).toBe(settled);
    change();
    await expect.poll(() => pixel(page, centre.x, centre.y), { timeout: 5000 }).toBe(movedColour);
    // The change repainted its one tile, and the frames after it, holding the new value, nothing more.
    expect(await repaintedAfterFrames(page, 4)).toBe(settled + 1);
    return pixels(page);
  }

  it('repaints only the tile whose colour changed, and ends as a full repaint would', async () => {
    await page.goto(`${server.baseUrl}/#/hall/hall-1?metric=return`);
    await page.waitForFunction((sel) => Number(document.querySelector(sel)?.getAttribute('data-drawn') ?? 0) > 0, CANVAS);
    const centre = await centreOf(CHANGED);
    // Every rack painted once, then nothing while the values hold.
    await expect.poll(() => repainted(page)).toBeGreaterThanOrEqual(racks.length);
    const incremental = await changeOneTile(centre, () => (changedValues = moved));

    // A fresh heat map of the same values paints every tile at once: the same picture.
    await page.goto(`${server.baseUrl}/#/`);
    await page.waitForFunction(() => Number(document.querySelector('canvas[data-hall]')?.getAttribute('data-drawn') ?? 0) > 0);
    await page.goto(`${server.baseUrl}/#/hall/hall-1?metric=return`);
    await expect.poll(() => pixel(page, centre.x, centre.y), { timeout: 10_000 }).toBe(movedColour);
    await repaintedAfterFrames(page, 2);
    expect(await pixels(page)).toBe(incremental);
  }, 60_000);

  it('zoomed in, also repaints only the changed tile, and ends as a full repaint at that zoom would', async () => {
    const canvas = page.locator(CANVAS);
    const zoomOf = async () => (await canvas.getAttribute('data-zoom'))!.split(',').map(Number) as [number, number, number];
    const zoomIn = async () => {
      await page.waitForFunction((sel) => Number(document.querySelector(sel)?.getAttribute('data-drawn') ?? 0) > 0, CANVAS);
      await canvas.focus();
      for (let k = 0; k < 3; k++) await page.keyboard.press('+');
      await expect.poll(async () => (await zoomOf())[0]).toBeCloseTo(3.375, 3);
    };
    await page.goto(`${server.baseUrl}/#/`);
    await page.goto(`${server.baseUrl}/#/hall/hall-1?metric=return`);
    await zoomIn();
    const zoom = await zoomOf();
    // The tiles on screen are painted once at this zoom, then only the one that changes.
    const incremental = await changeOneTile(await centreOf(CHANGED_ZOOMED, zoom), () => (zoomedValues = moved));

    // A fresh heat map zoomed the same way paints every tile on screen at once: the same picture.
    await page.goto(`${server.baseUrl}/#/`);
    await page.goto(`${server.baseUrl}/#/hall/hall-1?metric=return`);
    await zoomIn();
    expect(await zoomOf()).toEqual(zoom);
    const centre = await centreOf(CHANGED_ZOOMED, zoom);
    await expect.poll(() => pixel(page, centre.x, centre.y), { timeout: 10_000 }).toBe(movedColour);
    await repaintedAfterFrames(page, 2);
    expect(await pixels(page)).toBe(incremental);
  }, 60_000);
});
