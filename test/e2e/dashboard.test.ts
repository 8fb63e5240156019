import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startServer, startSimulator, type Program } from '../helpers/programs.ts';
import { ARTIFACTS, launchChromium } from '../helpers/browser.ts';
import { getJson, seen, waitFor } from '../helpers/wait.ts';
import { pixelAt, rackOnCanvas } from '../helpers/canvas.ts';
import type { SiteView } from '../../protocol/site-view.ts';
import { PALETTE } from '../../web/src/lib/color-scale.ts';

describe('dashboard in headless Chromium', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let sim: Program;
  let browser: Browser;
  let page: Page;
  let site: SiteView;
  let controlPort: number;

  beforeAll(async () => {
    server = await startServer(['--site', 'sites/demo.json', '--embedded-broker-port', '0']);
    sim = await startSimulator(['--site', 'sites/demo.json', '--mqtt', server.mqttUrl, '--control-port', '0']);
    controlPort = Number(/control=(\d+)/.exec(sim.readyLine)![1]);
    site = await getJson(`${server.baseUrl}/api/site`);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    (page as any).errors = errors;
  });

  afterAll(async () => {
    await browser?.close();
    await sim?.stop();
    await server?.stop();
  });

  const rackCentre = (rackId: string) => rackOnCanvas(page, site, rackId);

  it('shows the site overview with every hall drawn as a heat map and live KPIs', async () => {
    await page.goto(server.baseUrl + '/');
    await page.waitForSelector('[data-status="live"]', { timeout: 15_000 });
    for (const hall of site.halls) {
      await page.waitForFunction((id) => Number(document.querySelector(`canvas[data-hall="${id}"]`)?.getAttribute('data-drawn') ?? 0) > 0, hall.id);
    }
    await waitFor('all racks live', async () => seen((await getJson(`${server.baseUrl}/api/halls/hall-1`)).totals.racksLive, (v) => v === 208));
    await expect.poll(() => page.locator('.site-kpis .kpi').first().innerText(), { timeout: 5000 }).toMatch(/IT power\s+\d+\.\d\d MW/);
    await page.screenshot({ path: join(ARTIFACTS, 'overview-1920x1080.png') });
    expect((page as any).errors).toEqual([]);
  });

  it('draws the hall heat map in the palette and opens a rack panel whose values change live', async () => {
    await page.goto(server.baseUrl + '/#/hall/hall-1?metric=return');
    await page.waitForFunction(() => Number(document.querySelector('canvas[data-hall="hall-1"]')?.getAttribute('data-drawn') ?? 0) > 0);
    const c = await rackCentre('h1-r03-k05');
    expect(PALETTE as readonly string[]).toContain(await pixelAt(page, 'canvas[data-hall="hall-1"]', c.x, c.y - c.h * 0.3));
    await page.mouse.click(c.pageX, c.pageY);
    const panel = page.locator('[data-testid="rack-panel"]');
    await expect.poll(() => panel.getAttribute('data-rack')).toBe('h1-r03-k05');
    expect(page.url()).toContain('rack=h1-r03-k05');
    const power = panel.locator('[data-field="rackKw"]');
    await expect.poll(() => power.innerText(), { timeout: 10_000 }).toMatch(/kW$/);
    const first = await power.innerText();
    await expect.poll(() => power.innerText(), { timeout: 10_000 }).not.toBe(first);
    await page.waitForSelector('[data-testid="gpu-strip"] .cell');
    expect(await page.locator('[data-testid="gpu-strip"] .cell').count()).toBe(72);
    await page.waitForSelector('[data-testid="rack-chart"] canvas');
    await page.waitForTimeout(2500);
    await page.screenshot({ path: join(ARTIFACTS, 'hall-rack-panel-1920x1080.png') });
  });

  it('zooms and pans a hall: the rack under the cursor stays there, clicks hit the right rack at every zoom, keys and reset', async () => {
    await page.goto(server.baseUrl + '/#/hall/hall-1?metric=return');
    await page.waitForFunction(() => Number(document.querySelector('canvas[data-hall="hall-1"]')?.getAttribute('data-drawn') ?? 0) > 0);
    const canvas = page.locator('canvas[data-hall="hall-1"]');
    const zoomOf = async () => (await canvas.getAttribute('data-zoom'))!.split(',').map(Number) as [number, number, number];
    expect(await zoomOf()).toEqual([1, 0, 0]);
    const c = await rackCentre('h1-r07-k11');
    const box = (await canvas.boundingBox())!;
    // The cursor sits on whole pixels: zoom there.
    const mx = Math.round(c.pageX);
    const my = Math.round(c.pageY);
    await page.mouse.move(mx, my);
    // Over an unfocused map a plain wheel scrolls the page: Ctrl+wheel zooms (layout.test.ts covers the choice).
    await page.keyboard.down('Control');
    for (let k = 0; k < 4; k++) await page.mouse.wheel(0, -250);
    await page.keyboard.up('Control');
    await expect.poll(async () => (await zoomOf())[0]).toBeGreaterThan(2.5);
    const [scale, zx, zy] = await zoomOf();
    // The world point under the cursor stayed under it: world × scale + offset = the cursor.
    expect(Math.abs((mx - box.x - zx) / scale - (mx - box.x))).toBeLessThan(1);
    expect(Math.abs((my - box.y - zy) / scale - (my - box.y))).toBeLessThan(1);
    await page.mouse.click(mx, my);
    const panel = page.locator('[data-testid="rack-panel"]');
    await expect.poll(() => panel.getAttribute('data-rack')).toBe('h1-r07-k11');
    await page.click('[data-testid="rack-panel"] button[aria-label="Close rack panel"]');
    await expect.poll(async () => (await canvas.boundingBox())!.width).toBe(box.width);
    await page.screenshot({ path: join(ARTIFACTS, 'hall-zoomed-1920x1080.png') });
    // A click at a neighbour's zoomed position picks that neighbour.
    const n = await rackCentre('h1-r07-k12');
    await page.mouse.click(box.x + n.x * scale + zx, box.y + n.y * scale + zy);
    await expect.poll(() => panel.getAttribute('data-rack')).toBe('h1-r07-k12');
    await page.click('[data-testid="rack-panel"] button[aria-label="Close rack panel"]');
    // Dragging pans (and is not a click).
    const before = await zoomOf();
    await page.mouse.move(box.x + 400, box.y + 300);
    await page.mouse.down();
    await page.mouse.move(box.x + 300, box.y + 250, { steps: 5 });
    await page.mouse.up();
    const after = await zoomOf();
    expect(after[0]).toBe(before[0]);
    expect(after[1]).toBeLessThan(before[1]);
    // Keys: 0 shows the whole hall, + zooms in 1.5× at the centre; the reset button does the same as 0.
    await canvas.focus();
    await page.keyboard.press('0');
    await expect.poll(zoomOf).toEqual([1, 0, 0]);
    await page.keyboard.press('+');
    await expect.poll(async () => (await zoomOf())[0]).toBe(1.5);
    await page.click('[data-testid="zoom-reset"]');
    await expect.poll(zoomOf).toEqual([1, 0, 0]);
  });

  it('shows an injected offline rack and a tripped CDU on the heat map within seconds', async () => {
    await page.goto(server.baseUrl + '/#/hall/hall-1?metric=return');
    await page.waitForFunction(() => Number(document.querySelector('canvas[data-hall="hall-1"]')?.getAttribute('data-drawn') ?? 0) > 0);
    const target = await rackCentre('h1-r06-k09');
    const before = await pixelAt(page, 'canvas[data-hall="hall-1"]', target.x, target.y - target.h * 0.35);
    expect(PALETTE as readonly string[]).toContain(before);
    for (const fault of ['offline:h1-r06-k09', 'cdu-trip:h1-r08-cdu-b', 'silent:h1-r10-k04', 'leak:h1-r02-k12']) {
      const res = await fetch(`http://127.0.0.1:${controlPort}/faults`, { method: 'POST', body: fault });
      expect(res.status).toBe(200);
    }
    // Offline racks are painted #11161c with a cross.
    await expect.poll(() => pixelAt(page, 'canvas[data-hall="hall-1"]', target.x, target.y - target.h * 0.35), { timeout: 10_000, interval: 100 })
      .toBe('#11161c');
    await page.mouse.move(target.pageX, target.pageY);
    await expect.poll(async () => (await page.locator('[role="tooltip"]').innerText()).toLowerCase()).toContain('offline');
    // The tripped CDU is an incident in the column beside the map.
    const incident = page.locator('.incident[data-incident="group:h1-r08"]');
    await expect.poll(() => incident.innerText(), { timeout: 10_000 }).toMatch(/CRITICAL\s+Hall 1\s+▸ h1-r08-cdu-b: CDU tripped/);
    // An operator acknowledges it from the panel, with a comment.
    await incident.locator('[data-testid="ack"]').click();
    await incident.locator('[data-testid="ack-comment"]').fill('pump B swap scheduled, racks on partners');
    await incident.locator('[data-testid="ack-confirm"]').click();
    await expect.poll(() => incident.innerText()).toMatch(/ACK anonymous \(auth off\) \d\d:\d\d — pump B swap scheduled/);
    const api = await getJson(`${server.baseUrl}/api/alerts`);
    expect(api.incidents.find((i: any) => i.id === 'group:h1-r08').acknowledged).toMatchObject({ comment: 'pump B swap scheduled, racks on partners' });
    // …and silences it for the maintenance: marked, listed under Silences, removable.
    await incident.locator('[data-testid="silence"]').click();
    await page.locator('[data-testid="silence-minutes"]').selectOption('120');
    await page.locator('[data-testid="silence-comment"]').fill('CDU B maintenance');
    await page.locator('[data-testid="silence-confirm"]').click();
    // Marked with until when, by whom and why, listed after the active incidents and counted apart.
    await expect.poll(() => incident.innerText()).toMatch(/SILENCED until (\w{3} )?\d\d:\d\d by anonymous \(auth off\) — CDU B maintenance/);
    await expect.poll(() => page.locator('[data-testid="incidents-silenced"]').innerText()).toBe('1 silenced');
    const order = await page.locator('[data-testid="incidents"] .incident[data-incident]').evaluateAll((els) => els.map((e) => e.getAttribute('data-incident')));
    expect(order.at(-1)).toBe('group:h1-r08');
    await page.click('[data-tab="silences"]');
    const silence = page.locator('[data-silence]');
    await expect.poll(() => silence.innerText()).toMatch(/ACTIVE\s+group:h1-r08 — CDU B maintenance/);
    const silences = (await getJson(`${server.baseUrl}/api/alerts`)).silences;
    expect(silences).toEqual([expect.objectContaining({ matcher: 'group:h1-r08', comment: 'CDU B maintenance', activeNow: true })]);
    expect(silences[0].endsMs - silences[0].startsMs).toBe(120 * 60_000);
    await page.click('[data-tab="open"]');
    // A silent publisher turns stale after 3 intervals: hatched, with its age in the tooltip.
    const silent = await rackCentre('h1-r10-k04');
    await page.mouse.move(silent.pageX, silent.pageY);
    await expect.poll(async () => (await page.locator('[role="tooltip"]').innerText()).toLowerCase(), { timeout: 8000 })
      .toMatch(/stale[\s\S]*last sample \d+(\.\d)? s old — not current/);
    await page.mouse.move(target.pageX, target.pageY);
    await page.waitForTimeout(1000);
    await page.screenshot({ path: join(ARTIFACTS, 'hall-faults-1920x1080.png') });
  });

  it('marks the tripped CDU\'s incident on its drill-down charts', async () => {
    await page.goto(server.baseUrl + '/#/history/cdu/h1-r08-cdu-b?from=now-15m&to=now');
    await expect.poll(() => page.locator('[data-testid="incident-bands"]').innerText(), { timeout: 15_000 }).toMatch(/critical · h1-r08-cdu-b: CDU tripped/);
    await expect.poll(async () => Number(await page.locator('[data-testid="history-chart"]').first().getAttribute('data-bands'))).toBe(1);
    await page.screenshot({ path: join(ARTIFACTS, 'drill-down-incident-1920x1080.png') });
  });

  it('drills from a rack into its history: 1 h preset, drag-zoom, reset, CSV of what is shown', async () => {
    await page.goto(server.baseUrl + '/#/hall/hall-1?rack=h1-r03-k05');
    await page.click('[data-testid="rack-history-link"]');
    await page.waitForSelector('[data-testid="drill-down"][data-kind="rack"][data-id="h1-r03-k05"]');
    await page.click('[data-preset="now-1h"]');
    expect(decodeURIComponent(page.url())).toContain('from=now-1h');
    const firstChart = page.locator('[data-testid="history-chart"]').first();
    await expect.poll(async () => Number(await firstChart.getAttribute('data-points')), { timeout: 15_000 }).toBeGreaterThan(10);
    expect(await page.locator('[data-testid="history-chart"]').count()).toBe(4);
    await page.waitForSelector('[data-testid="gpu-time-strip"]');
    await page.screenshot({ path: join(ARTIFACTS, 'drill-down-rack-1920x1080.png') });
    // Drag across the middle of the first chart's plot area: the range narrows to the selection.
    const over = (await firstChart.locator('.u-over').boundingBox())!;
    await page.mouse.move(over.x + over.width * 0.3, over.y + over.height / 2);
    await page.mouse.down();
    await page.mouse.move(over.x + over.width * 0.7, over.y + over.height / 2, { steps: 8 });
    await page.mouse.up();
    await expect.poll(() => new URL(page.url().replace('#/', '/')).searchParams.get('from')).toMatch(/^\d+$/);
    const params = new URL(page.url().replace('#/', '/')).searchParams;
    const spanMs = Number(params.get('to')) - Number(params.get('from'));
    expect(spanMs).toBeGreaterThan(1000);
    expect(spanMs).toBeLessThan(3_600_000);
    // Wait for the zoomed range's data, not the 1 h data still on screen.
    await expect.poll(() => page.locator('[data-testid="drill-down"]').getAttribute('data-loaded-for'), { timeout: 10_000 })
      .toBe(`${params.get('from')}|${params.get('to')}`);
    await expect.poll(async () => Number(await firstChart.getAttribute('data-points'))).toBeGreaterThan(2);
    const shown = Number(await firstChart.getAttribute('data-points'));
    const download = page.waitForEvent('download');
    await page.click('[data-testid="csv"]');
    const csv = await (await download).createReadStream().then(async (s) => {
      let text = '';
      for await (const chunk of s) text += chunk;
      return text;
    });
    const lines = csv.trim().split('\n');
    expect(lines[0]).toMatch(/^time,rackKw \(kW\),supplyC \(°C\),returnC \(°C\)/);
    expect(lines.length - 1).toBe(shown);
    await firstChart.locator('.u-over').dblclick();
    await expect.poll(() => decodeURIComponent(page.url())).toContain('from=now-1h');
  });

  it('replays the hall heat map from stored history at the chosen minute', async () => {
    await page.goto(server.baseUrl + '/#/hall/hall-1?metric=return');
    await page.waitForFunction(() => Number(document.querySelector('canvas[data-hall="hall-1"]')?.getAttribute('data-drawn') ?? 0) > 0);
    await page.check('[data-testid="replay-toggle"]');
    await page.locator('[data-testid="replay-slider"]').fill('0');
    await expect.poll(() => page.locator('[data-testid="replay-label"]').innerText(), { timeout: 10_000 }).toMatch(/\d+ racks · returnC · from memory/);
    // The slider's 0 is the minute under way ("1 min ago" once the page's clock has passed the minute's end).
    const when = await page.locator('[data-testid="replay-when"]').innerText();
    expect(when).toMatch(/^(this minute|1 min ago)$/);
    // The minute under way changes as samples arrive: compare it once finished. When the slider's
    // window has moved on, step to the next minute and back, so the page fetches it whole.
    const replay = page.locator('[data-testid="hall-replay"]');
    const atMs = await replay.getAttribute('data-at-ms');
    await expect.poll(() => page.locator('[data-testid="replay-when"]').innerText(), { timeout: 75_000 }).toBe('1 min ago');
    await page.locator('[data-testid="replay-forward"]').click();
    await expect.poll(() => replay.getAttribute('data-at-ms'), { timeout: 10_000 }).not.toBe(atMs);
    await page.locator('[data-testid="replay-back"]').click();
    await expect.poll(() => replay.getAttribute('data-at-ms'), { timeout: 10_000 }).toBe(atMs);
    const snap = await getJson(`${server.baseUrl}/api/history/hall?hall=hall-1&field=returnC&at=${atMs}`);
    const c = await rackCentre('h1-r04-k02');
    const { classOf } = await import('../../web/src/lib/color-scale.ts');
    const { metricById } = await import('../../web/src/lib/metrics.ts');
    const expected = PALETTE[classOf(metricById('return').scale, snap.racks['h1-r04-k02'])];
    await expect.poll(() => pixelAt(page, 'canvas[data-hall="hall-1"]', c.x, c.y - c.h * 0.35), { timeout: 5000 }).toBe(expected);
    await page.screenshot({ path: join(ARTIFACTS, 'hall-replay-1920x1080.png') });
    await page.uncheck('[data-testid="replay-toggle"]');
    await expect.poll(() => page.locator('[data-testid="replay-label"]').count()).toBe(0);
  }, 120_000);

  it('says the data is no longer live within seconds of the server going away', async () => {
    await page.goto(server.baseUrl + '/#/hall/hall-1');
    await page.waitForSelector('[data-status="live"]');
    expect(await sim.stop()).toBe(0);
    expect(await server.stop()).toBe(0);
    await page.waitForSelector('[data-status="reconnecting"], [data-status="stalled"]', { timeout: 5000 });
    await expect.poll(() => page.locator('[data-testid="connection-lost"]').innerText(), { timeout: 5000 })
      .toMatch(/Connection lost — everything below is from \d+ s ago/);
    await page.waitForTimeout(1500);
    await page.screenshot({ path: join(ARTIFACTS, 'connection-lost-1920x1080.png') });
  });
});
