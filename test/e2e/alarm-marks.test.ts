import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { startServer } from '../helpers/programs.ts';
import { ARTIFACTS, launchChromium } from '../helpers/browser.ts';
import { getJson, notYet, waitFor } from '../helpers/wait.ts';
import { generateSite } from '../../simulators/generate-site.ts';
import { entityTopic } from '../../protocol/topics.ts';
import { returnForLoadC } from '../../protocol/coolant.ts';
import { layoutHall, type Rect } from '../../web/src/lib/hall-layout.ts';
import { OVERVIEW_MAX_ASPECT } from '../../web/src/lib/overview-grid.ts';
import { ALARM } from '../../web/src/lib/draw-alarms.ts';
import type { SiteView } from '../../protocol/site-view.ts';

// Four small halls fed steady values by the test: one CDU tripped, one rack leaking, and
// nothing else that could light a beacon.
const spec = generateSite({ halls: 4, rows: 8, racksPerRow: 20, racksPerCdu: 10, name: 'Alarm marks' });
const TRIPPED = 'h1-r04-cdu-a';
const LEAKING = 'h2-r06-k13';
const flowLpm = 150;
const rackValues = { rackKw: 90, supplyC: 40, returnC: returnForLoadC('water', 85, flowLpm, 40), flowLpm };

/** Pixels of an overlay canvas in exactly `colour` (the alarm colour by default), inside `r` (CSS px) or over the whole canvas. */
const alarmPixels = (page: Page, hallId: string, r?: Rect, colour = ALARM) =>
  page.$eval(`canvas[data-alarms="${hallId}"]`, (el, [rect, alarm]) => {
    const c = el as HTMLCanvasElement;
    const dpr = c.width / c.getBoundingClientRect().width;
    const x0 = rect ? Math.max(0, Math.floor(rect.x * dpr)) : 0, y0 = rect ? Math.max(0, Math.floor(rect.y * dpr)) : 0;
    const w = rect ? Math.min(c.width - x0, Math.ceil(rect.w * dpr)) : c.width, h = rect ? Math.min(c.height - y0, Math.ceil(rect.h * dpr)) : c.height;
    if (w <= 0 || h <= 0) return 0;
    const d = c.getContext('2d')!.getImageData(x0, y0, w, h).data;
    const [ar, ag, ab] = [1, 3, 5].map((k) => parseInt(alarm.slice(k, k + 2), 16));
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] === ar && d[i + 1] === ag && d[i + 2] === ab && d[i + 3] === 255) n++;
    return n;
  }, [r ?? null, colour] as const);

/** A hash of an overlay canvas's pixels (compared, never printed). */
const overlayHash = (page: Page, hallId: string) =>
  page.$eval(`canvas[data-alarms="${hallId}"]`, (el) => {
    const c = el as HTMLCanvasElement;
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let h = 0;
    for (let i = 0; i < d.length; i += 16) h = (Math.imul(h, 31) + d[i] + d[i + 3]) | 0;
    return h;
  });

describe('alarm beacons and the site overview in headless Chromium', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let pub: MqttClient;
  let browser: Browser;
  let page: Page;
  let site: SiteView;
  let timer: NodeJS.Timeout;
  let tripped = true;
  const errors: string[] = [];

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hallwatch-alarms-'));
    writeFileSync(join(dir, 'site.json'), JSON.stringify(spec));
    server = await startServer(['--site', join(dir, 'site.json'), '--embedded-broker-port', '0']);
    pub = await mqtt.connectAsync(server.mqttUrl, { protocolVersion: 4 });
    const publishAll = () => {
      const ts = Date.now();
      for (const hall of spec.halls) {
        for (const row of hall.rows) {
          for (const rack of row.racks) {
            const reading = { ts, ...rackValues, leak: rack.id === LEAKING ? 2 : 0 };
            pub.publish(entityTopic('hallwatch/v1', hall.id, 'rack', rack.id, 'telemetry'), JSON.stringify(reading));
          }
        }
        for (const cdu of hall.cdus) {
          const off = cdu.id === TRIPPED && tripped;
          const reading = { ts, supplyC: 40, returnC: off ? 40 : 45, flowLpm: off ? 0 : 1800, running: !off };
          pub.publish(entityTopic('hallwatch/v1', hall.id, 'cdu', cdu.id, 'telemetry'), JSON.stringify(reading));
        }
      }
    };
    publishAll();
    timer = setInterval(publishAll, 1000);
    site = await getJson(`${server.baseUrl}/api/site`);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    page.on('pageerror', (e) => errors.push(e.message));
  }, 60_000);

  afterAll(async () => {
    clearInterval(timer);
    await browser?.close();
    await pub?.endAsync();
    await server?.stop();
  });

  /** A tile of the overview map of `hallId` as the dashboard lays it out, CSS px on its canvas. */
  async function overviewTile(hallId: string, kind: 'rack' | 'cdu', id: string): Promise<Rect> {
    const box = (await page.locator(`canvas[data-hall="${hallId}"]`).boundingBox())!;
    const hall = site.halls.find((h) => h.id === hallId)!;
    const layout = layoutHall(site, hall, box.width, box.height, false, { maxAspect: OVERVIEW_MAX_ASPECT });
    if (kind === 'cdu') return layout.cdus.find((c) => c.index === site.cdus.find((u) => u.id === id)!.index)!.rect;
    return layout.racks.find((r) => r.index === site.racks.find((k) => k.id === id)!.index)!.rect;
  }

  const around = (r: Rect, px: number): Rect => ({ x: r.x - px, y: r.y - px, w: r.w + 2 * px, h: r.h + 2 * px });

  it('gives the hall maps of a 1 GW site\'s overview most of the screen\'s width at 1920 × 1080', async () => {
    // Where the maps go depends on the site's plan alone: this server gets no telemetry.
    const dir = mkdtempSync(join(tmpdir(), 'hallwatch-overview-'));
    const gw = generateSite({ halls: 4, rows: 37, racksPerRow: 50, racksPerCdu: 10, name: '1 GW' });
    writeFileSync(join(dir, 'site.json'), JSON.stringify(gw));
    const quiet = await startServer(['--site', join(dir, 'site.json'), '--embedded-broker-port', '0']);
    try {
      await page.goto(`${quiet.baseUrl}/#/?metric=return`);
      for (const hall of gw.halls) {
        await page.waitForFunction((id) => Number(document.querySelector(`canvas[data-hall="${id}"]`)?.getAttribute('data-drawn') ?? -1) >= 0, hall.id);
      }
      const halls = (await page.locator('.halls').boundingBox())!;
      const maps = await Promise.all(gw.halls.map(async (h) => (await page.locator(`canvas[data-hall="${h.id}"]`).boundingBox())!));
      // All four side by side, together over 85 % of the width (beside a fixed KPI column they had under half).
      expect(new Set(maps.map((m) => Math.round(m.x))).size).toBe(4);
      expect(maps.reduce((w, m) => w + m.width, 0) / halls.width).toBeGreaterThan(0.85);
      // Higher than wide, as a hall of 37 rows of 50 racks is: the cards use the screen's height, and end on it.
      for (const m of maps) {
        expect(m.height).toBeGreaterThan(m.width);
        expect(m.y + m.height).toBeLessThanOrEqual(1080);
      }
      await page.screenshot({ path: join(ARTIFACTS, 'overview-1gw-1920x1080.png') });
    } finally {
      await quiet.stop();
    }
  }, 60_000);

  it('draws a tripped CDU and a leaking rack in the alarm colour, larger than their tiles, pulsing without repainting the map', async () => {
    await page.goto(`${server.baseUrl}/#/?metric=return`);
    await page.waitForSelector('[data-status="live"]', { timeout: 20_000 });
    const cdu = await overviewTile('hall-1', 'cdu', TRIPPED);
    const rack = await overviewTile('hall-2', 'rack', LEAKING);
    await waitFor('the tripped CDU\'s beacon', async () => {
      const n = await alarmPixels(page, 'hall-1', around(cdu, 30));
      return n > 20 || notYet(n);
    }, 20_000);
    await waitFor('the leaking rack\'s beacon', async () => {
      const n = await alarmPixels(page, 'hall-2', around(rack, 30));
      return n > 20 || notYet(n);
    }, 20_000);
    // The frame stands clear of the tile, over its neighbours: alarm pixels outside the tile.
    const inside = await alarmPixels(page, 'hall-1', around(cdu, 1));
    expect(await alarmPixels(page, 'hall-1', around(cdu, 30))).toBeGreaterThan(inside);
    // Nowhere else: the beacons are all the alarm colour there is.
    expect(await alarmPixels(page, 'hall-1')).toBe(await alarmPixels(page, 'hall-1', around(cdu, 60)));
    expect(await alarmPixels(page, 'hall-3')).toBe(0);

    // The pulse redraws the beacons' canvas, not the map: the beacons are redrawn after every
    // paint of the map and at each step of the pulse between, and no tile is repainted.
    const map = page.locator('canvas[data-hall="hall-1"]');
    const overlay = page.locator('canvas[data-alarms="hall-1"]');
    const tiles = await map.getAttribute('data-repainted-tiles');
    const paints = Number(await map.getAttribute('data-paints'));
    const draws = Number(await overlay.getAttribute('data-draws'));
    const seen = new Set<number>();
    await waitFor('three looks of the pulse', async () => {
      seen.add(await overlayHash(page, 'hall-1'));
      return seen.size >= 3 || notYet(seen.size);
    }, 10_000, 40);
    await waitFor('three redraws of the beacons between paints of the map', async () => {
      const extra = Number(await overlay.getAttribute('data-draws')) - draws - (Number(await map.getAttribute('data-paints')) - paints);
      return extra >= 3 || notYet(extra);
    }, 10_000);
    expect(await map.getAttribute('data-repainted-tiles')).toBe(tiles);
    await page.screenshot({ path: join(ARTIFACTS, 'alarm-beacons-1920x1080.png') });
  }, 60_000);

  it('takes the trip\'s ✕ away when the CDU runs again', async () => {
    const cdu = await overviewTile('hall-1', 'cdu', TRIPPED);
    const glyph = () => alarmPixels(page, 'hall-1', cdu, '#ffffff');
    expect(await glyph()).toBeGreaterThan(0);
    tripped = false;
    // The frame may stay a while: the trip's critical alert clears on its own schedule.
    await waitFor('no ✕ on the CDU', async () => {
      const n = await glyph();
      return n === 0 || notYet(n);
    }, 20_000);
    expect(await alarmPixels(page, 'hall-2', around(await overviewTile('hall-2', 'rack', LEAKING), 30))).toBeGreaterThan(20);
    expect(errors).toEqual([]);
  }, 60_000);
});
