/**
 * Values that mean nothing are not shown as physics, in headless Chromium against the real
 * server and simulator: a tripped CDU's panel says "stopped" where its approach and supply were,
 * and a rack whose return sensor froze shows "—" with the reason for its heat to liquid and
 * capture ratio.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startServer, startSimulator, type Program } from '../helpers/programs.ts';
import { ARTIFACTS, launchChromium } from '../helpers/browser.ts';
import { getJson, notYet, seen, waitFor } from '../helpers/wait.ts';
import { HALL_VIEW_MAX_ASPECT, layoutHall } from '../../web/src/lib/hall-layout.ts';
import type { SiteView } from '../../protocol/site-view.ts';

const TRIPPED = 'h1-r08-cdu-b';
const STUCK = 'h1-r03-k05';

describe('withheld values in headless Chromium', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let sim: Program;
  let browser: Browser;
  let page: Page;
  let site: SiteView;
  const errors: string[] = [];

  /** Moves the pointer to the middle of a rack's or CDU's tile on hall-1 and returns the tooltip's text. */
  async function hover(kind: 'rack' | 'cdu', id: string): Promise<string> {
    await page.goto(`${server.baseUrl}/#/hall/hall-1`);
    await page.waitForFunction(() => Number(document.querySelector('canvas[data-hall="hall-1"]')?.getAttribute('data-drawn') ?? 0) > 0);
    // The map moves down as incidents open above it: measure again and move in again until the tooltip shows.
    return waitFor(`the tooltip of ${kind} ${id}`, async () => {
      const box = (await page.locator('canvas[data-hall="hall-1"]').boundingBox())!;
      const layout = layoutHall(site, site.halls.find((h) => h.id === 'hall-1')!, box.width, box.height, true, { maxAspect: HALL_VIEW_MAX_ASPECT });
      const index = (kind === 'rack' ? site.racks : site.cdus).find((e) => e.id === id)!.index;
      const r = (kind === 'rack' ? layout.racks : layout.cdus).find((e) => e.index === index)!.rect;
      await page.mouse.move(0, 0);
      await page.mouse.move(box.x + r.x + r.w / 2, box.y + r.y + r.h / 2);
      const tip = page.locator('[role="tooltip"]');
      const text = await tip.innerText({ timeout: 2000 }).catch(() => null);
      return text === null ? notYet('no tooltip') : text;
    }, 30_000, 250);
  }

  beforeAll(async () => {
    server = await startServer(['--site', 'sites/demo.json', '--embedded-broker-port', '0']);
    sim = await startSimulator(['--site', 'sites/demo.json', '--mqtt', server.mqttUrl, '--control-port', '0']);
    const controlPort = Number(/control=(\d+)/.exec(sim.readyLine)![1]);
    site = await getJson(`${server.baseUrl}/api/site`);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    page.on('pageerror', (e) => errors.push(e.message));
    await waitFor('the racks live', async () => seen((await getJson(`${server.baseUrl}/api/halls/hall-1`)).totals.racksLive, (n) => n === 208));
    for (const fault of [`cdu-trip:${TRIPPED}`, `sensor-stuck:${STUCK}`]) {
      const res = await fetch(`http://127.0.0.1:${controlPort}/faults`, { method: 'POST', body: fault });
      expect(res.status).toBe(200);
    }
  });

  afterAll(async () => {
    await browser?.close();
    await sim?.stop();
    await server?.stop();
  });

  it('says a tripped CDU is stopped instead of showing its supply against setpoint and an approach', async () => {
    await page.goto(`${server.baseUrl}/#/hall/hall-1?cdu=${TRIPPED}`);
    const panel = page.locator(`[data-testid="cdu-panel"][data-cdu="${TRIPPED}"]`);
    await expect.poll(() => panel.locator('[data-field="state"]').innerText(), { timeout: 10_000 }).toMatch(/^STOPPED/);
    expect(await panel.locator('[data-field="approachK"]').innerText()).toBe('— stopped');
    const supply = await panel.locator('[data-field="supplyC"]').innerText();
    expect(supply).toMatch(/^— stopped/);
    expect(supply).not.toMatch(/°C|setpoint/);
    // Its partner runs: it shows figures.
    await page.goto(`${server.baseUrl}/#/hall/hall-1?cdu=h1-r08-cdu-a`);
    const partner = page.locator('[data-testid="cdu-panel"][data-cdu="h1-r08-cdu-a"]');
    await expect.poll(() => partner.locator('[data-field="approachK"]').innerText(), { timeout: 10_000 }).toMatch(/^\d+\.\d K$/);
    await page.goto(`${server.baseUrl}/#/hall/hall-1?cdu=${TRIPPED}`);
    await panel.waitFor();
    await page.waitForTimeout(500);
    await page.screenshot({ path: join(ARTIFACTS, 'cdu-stopped-1920x1080.png') });
    const tip = await hover('cdu', TRIPPED);
    expect(tip).toMatch(/STOPPED/i);
    expect(tip).toMatch(/Approach\s+— stopped/);
    expect(tip).toMatch(/Supply \/ return\s+— stopped/);
    expect(errors).toEqual([]);
  });

  it('shows "—" with the reason for the heat to liquid and capture of a rack whose return sensor froze', async () => {
    // Frozen counts from the first repeated reading; values are withheld after 30 s of it.
    type Withheld = { heatKw: number | null; derivedFlags: number | null; withheld: Record<string, string | null> };
    const api = await waitFor('the stuck return flagged frozen', async () => {
      const r = (await getJson(`${server.baseUrl}/api/racks/${STUCK}`)) as Withheld;
      return r.heatKw === null ? r : notYet(r.heatKw);
    }, 90_000, 1000);
    // The REST API says why, as the dashboard does.
    expect(api.withheld).toEqual({ return: 'return sensor frozen', thermal: 'return sensor frozen', heat: 'return sensor frozen', capture: 'return sensor frozen', power: null });
    expect(api.derivedFlags! & 1).toBe(1);
    await page.goto(`${server.baseUrl}/#/hall/hall-1?rack=${STUCK}`);
    const panel = page.locator(`[data-testid="rack-panel"][data-rack="${STUCK}"]`);
    await expect.poll(() => panel.locator('[data-field="heatKw"]').innerText(), { timeout: 10_000 }).toBe('— return sensor frozen');
    expect(await panel.locator('[data-field="captureRatio"]').innerText()).toBe('— return sensor frozen');
    expect(await panel.locator('[data-field="deltaTK"]').innerText()).toBe('— return sensor frozen');
    expect(await panel.locator('[data-field="returnC"]').innerText()).toMatch(/°C frozen/);
    // Power and flow are still real.
    expect(await panel.locator('[data-field="rackKw"]').innerText()).toMatch(/^\d+\.\d kW$/);
    await page.waitForTimeout(1500);
    await page.screenshot({ path: join(ARTIFACTS, 'rack-frozen-return-1920x1080.png') });
    const tip = await hover('rack', STUCK);
    expect(tip).toMatch(/°C \(frozen\)/);
    expect(tip).toMatch(/Heat to liquid\s+— return sensor frozen/);
    expect(errors).toEqual([]);
  }, 150_000);
});
