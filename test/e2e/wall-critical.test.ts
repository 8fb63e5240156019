/**
 * The NOC wall on a 4-hall site with CDU trips in two halls that sit on different screens: it
 * goes to the first critical hall at once, alternates between the two every dwell (`dwell=` in
 * its URL) instead of holding on one, shows both together when they fit on one screen, and
 * returns to its normal rotation when they close. Real server, simulator and Chromium; faults
 * through the simulator's control port.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startServer, startSimulator, type Program } from '../helpers/programs.ts';
import { ARTIFACTS, launchChromium } from '../helpers/browser.ts';
import { notYet, seen, waitFor } from '../helpers/wait.ts';
import { generateSite } from '../../simulators/generate-site.ts';

const TOKEN = 'wall-critical-admin-token-01';

/** The wall's shown halls each time they change, recorded in the page (a MutationObserver, so no change is missed between polls). */
const RECORD_HALLS = `(() => {
  const wall = document.querySelector('[data-testid="wall"]');
  window.__hallsSeen = [wall.dataset.halls];
  new MutationObserver(() => {
    if (window.__hallsSeen.at(-1) !== wall.dataset.halls) window.__hallsSeen.push(wall.dataset.halls);
  }).observe(wall, { attributes: true, attributeFilter: ['data-halls'] });
})()`;

/** How far the painted plan reaches into its canvas (0–1), right and down: the last column and row with a non-transparent pixel. */
const PAINTED_EXTENT = `(() => [...document.querySelectorAll('canvas[data-hall]')].map((c) => {
  const { data, width, height } = c.getContext('2d').getImageData(0, 0, c.width, c.height);
  let right = 0, bottom = 0;
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) if (data[(y * width + x) * 4 + 3] > 0) {
    if (x > right) right = x;
    if (y > bottom) bottom = y;
  }
  return { hall: c.dataset.hall, right: (right + 1) / width, bottom: (bottom + 1) / height };
}))()`;

describe('wall with critical incidents in several halls', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let sim: Program;
  let browser: Browser;
  let controlPort: number;
  let wallPath: string;
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(server.baseUrl + path, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  };
  const fault = async (f: string) => expect((await fetch(`http://127.0.0.1:${controlPort}/faults`, { method: 'POST', body: f })).status).toBe(200);
  const criticalHalls = async () => {
    const open = (await api('GET', '/api/alerts')).body.incidents as { severity: string; hallId: string | null }[];
    return open.filter((i) => i.severity === 'critical').map((i) => i.hallId).sort();
  };

  beforeAll(async () => {
    // Four small halls: 2 rows × 4 racks, 2 racks per CDU plus a spare in each row.
    const site = join(mkdtempSync(join(tmpdir(), 'hallwatch-wall-critical-')), 'four-halls.json');
    writeFileSync(site, JSON.stringify(generateSite({ halls: 4, rows: 2, racksPerRow: 4, racksPerCdu: 2, name: 'four halls' })));
    server = await startServer(['--site', site, '--embedded-broker-port', '0', '--admin-token', TOKEN], { auth: true });
    sim = await startSimulator(['--site', site, '--mqtt', server.mqttUrl, '--control-port', '0', '--seed', '7']);
    controlPort = Number(/control=(\d+)/.exec(sim.readyLine)![1]);
    const t = await api('POST', '/api/admin/display-tokens', { name: 'noc-wall', expiresInDays: 365 });
    wallPath = t.body.wallPath;
    await waitFor('racks of all four halls live', async () => {
      const live = await Promise.all([1, 2, 3, 4].map(async (h) => (await api('GET', `/api/halls/hall-${h}`)).body.totals.racksLive));
      return seen(live, (l) => l.every((n) => n === 8));
    }, 20_000);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await sim?.stop();
    await server?.stop();
  });

  async function openWall(path: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.stack ?? e.message));
    (page as any).errors = errors;
    await page.goto(server.baseUrl + path);
    await page.waitForFunction(() => Number(document.querySelector('canvas[data-hall]')?.getAttribute('data-drawn') ?? 0) > 0, null, { timeout: 15_000 });
    return page;
  }

  it('shows each critical hall in turn, both at once when they fit on a screen, and rotates normally again when they close', async () => {
    // One hall per screen, no rotation, 3 s per critical hall: without criticals it stays on hall 1.
    const page = await openWall(`${wallPath}&per=1&rotate=0&dwell=3`);
    const wall = page.locator('[data-testid="wall"]');
    expect(await wall.getAttribute('data-halls')).toBe('hall-1');
    expect(await wall.getAttribute('data-critical')).toBe('false');

    await fault('cdu-trip:h2-r01-cdu-a');
    await expect.poll(() => wall.evaluate((el) => `${el.dataset.halls} ${el.dataset.paused}`), { timeout: 20_000 }).toBe('hall-2 true');
    expect(await page.locator('[data-testid="wall-rotation"]').innerText()).toMatch(/^PAUSED · critical incident · Hall 2$/);

    // A second hall trips: it is shown at once (the newest), then the two alternate.
    await page.evaluate(RECORD_HALLS);
    await fault('cdu-trip:h4-r01-cdu-a');
    await waitFor('hall 4, then hall 2, then hall 4 again', async () => {
      const shown = (await page.evaluate('window.__hallsSeen')) as string[];
      const after = shown.slice(shown.indexOf('hall-4'));
      return seen(after, (a) => a.length >= 3);
    }, 30_000);
    const shown = (await page.evaluate('window.__hallsSeen')) as string[];
    const cycle = shown.slice(shown.indexOf('hall-4'));
    expect(shown.slice(0, shown.indexOf('hall-4')).every((h) => h === 'hall-2')).toBe(true);
    // Strictly alternating between the two critical halls, never back to hall 1 or to hall 3.
    cycle.forEach((h, i) => expect(h).toBe(i % 2 === 0 ? 'hall-4' : 'hall-2'));
    expect(await criticalHalls()).toEqual(['hall-2', 'hall-4']);
    expect(await page.locator('[data-testid="wall-rotation"]').innerText()).toMatch(/^CRITICAL · Hall [24] · [12]\/2\s+next in [1-3] s$/);
    // The map on screen is the critical hall's.
    await expect.poll(async () => {
      const [halls, canvas] = await Promise.all([wall.getAttribute('data-halls'), page.locator('canvas[data-hall]').getAttribute('data-hall')]);
      return halls === canvas ? canvas : `${halls} vs ${canvas}`;
    }, { timeout: 5000 }).toMatch(/^hall-[24]$/);
    expect(await wall.getAttribute('data-paused')).toBe('false');
    await page.screenshot({ path: join(ARTIFACTS, 'wall-critical-alternating-1920x1080.png') });
    expect((page as any).errors).toEqual([]);

    // Two halls to a screen: the two critical halls together, in hall order, filling the map area.
    const pair = await openWall(`${wallPath}&per=2&rotate=0&dwell=3`);
    const pairWall = pair.locator('[data-testid="wall"]');
    await expect.poll(() => pairWall.evaluate((el) => `${el.dataset.halls} ${el.dataset.paused}`), { timeout: 10_000 }).toBe('hall-2,hall-4 true');
    expect(await pair.locator('[data-testid="wall-maps"]').getAttribute('data-arrangement')).toBe('2x1');
    await pair.waitForFunction(() => [...document.querySelectorAll('canvas[data-hall]')].filter((c) => Number(c.getAttribute('data-drawn') ?? 0) > 0).length === 2);
    const extent = (await pair.evaluate(PAINTED_EXTENT)) as { hall: string; right: number; bottom: number }[];
    expect(extent.map((e) => e.hall)).toEqual(['hall-2', 'hall-4']);
    for (const e of extent) {
      expect(e.right).toBeGreaterThan(0.95);
      // The last row's aisle (under a third of a row) is all that may be left below.
      expect(e.bottom).toBeGreaterThan(0.8);
    }
    await pair.screenshot({ path: join(ARTIFACTS, 'wall-critical-pair-1920x1080.png') });
    await pair.context().close();

    await fault('clear-all');
    await waitFor('the CDU trips resolved', async () => {
      const left = await criticalHalls();
      return left.length === 0 || notYet(left);
    }, 90_000, 500);
    await expect.poll(() => wall.evaluate((el) => `${el.dataset.halls} ${el.dataset.critical}`), { timeout: 10_000 }).toBe('hall-1 false');
    await page.context().close();
  }, 180_000);
});
