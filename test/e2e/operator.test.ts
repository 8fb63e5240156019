/**
 * The first hour of a NOC operator and a cooling engineer, in headless Chromium on a 1366×768
 * laptop: every part of the dashboard reachable, a row of racks failing together as one incident,
 * incidents that open what they name, the CDU panel from its tile, and honest admin feedback.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startServer, startSimulator, type Program } from '../helpers/programs.ts';
import { ARTIFACTS, launchChromium } from '../helpers/browser.ts';
import { notYet, seen, waitFor } from '../helpers/wait.ts';
import { HALL_VIEW_MAX_ASPECT, layoutHall } from '../../web/src/lib/hall-layout.ts';
import type { SiteView } from '../../protocol/site-view.ts';

describe('operator and engineer on a 1366×768 laptop', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let sim: Program;
  let browser: Browser;
  let page: Page;
  let site: SiteView;
  let fault: (cmd: string) => Promise<void>;
  const errors: string[] = [];
  const STUCK = 'h2-r03-k05';
  const NOISY = 'h2-r05-k09';

  beforeAll(async () => {
    server = await startServer(['--site', 'sites/demo.json', '--embedded-broker-port', '0', '--print-admin-login', '1'], { auth: true });
    sim = await startSimulator(['--site', 'sites/demo.json', '--mqtt', server.mqttUrl, '--control-port', '0']);
    const controlPort = Number(/control=(\d+)/.exec(sim.readyLine)![1]);
    fault = async (cmd) => {
      const res = await fetch(`http://127.0.0.1:${controlPort}/faults`, { method: 'POST', body: cmd });
      if (!res.ok) throw new Error(`${cmd}: HTTP ${res.status}`);
    };
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    page.on('pageerror', (e) => errors.push(e.message));
    // Signed in as the admin the server printed (the Admin page needs it).
    const password = /password=(\S+)/.exec(server.output())![1];
    await page.goto(server.baseUrl + '/');
    await page.waitForSelector('[data-testid="login"]');
    await page.fill('input[name="password"]', password);
    await page.click('button[type="submit"]');
    await page.waitForSelector('[data-status="live"]', { timeout: 15_000 });
    site = await api('/api/site');
    // Sensor faults need a minute to show: injected now, checked by the last test.
    await fault(`sensor-stuck:${STUCK}`);
    await fault(`sensor-noisy:${NOISY}:3`);
  });

  /** A GET of the API with the page's session. */
  const api = (path: string): Promise<any> => page.evaluate(async (p) => (await fetch(p)).json(), path);

  afterAll(async () => {
    await browser?.close();
    await sim?.stop();
    await server?.stop();
  });

  /** Whether an element's box is inside the viewport. */
  const inView = (selector: string) => page.$eval(selector, (el) => {
    const r = el.getBoundingClientRect();
    return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight;
  });

  it('scrolls the dashboard to the last row of the largest hall and to the Admin page\'s buttons; the wall does not scroll', async () => {
    const largest = [...site.halls].sort((a, b) => b.rows.length - a.rows.length)[0];
    await page.goto(`${server.baseUrl}/#/hall/${largest.id}?metric=return`);
    const canvas = `canvas[data-hall="${largest.id}"]`;
    await page.waitForFunction((sel) => Number(document.querySelector(sel)?.getAttribute('data-drawn') ?? 0) > 0, canvas);
    // The hall's last row lies below the fold at first, and is on screen after End.
    const lastRowY = async () => {
      const box = (await page.locator(canvas).boundingBox())!;
      const layout = layoutHall(site, largest, box.width, box.height, true, { maxAspect: HALL_VIEW_MAX_ASPECT });
      const last = largest.rows[largest.rows.length - 1];
      const rack = site.racks.find((r) => r.id === last.rackIds[0])!;
      const rect = layout.racks.find((x) => x.index === rack.index)!.rect;
      return box.y + rect.y + rect.h;
    };
    await page.keyboard.press('End');
    // End scrolls smoothly: wait until it has reached the bottom (a page opened mid-animation can be left a pixel down).
    await expect.poll(() => page.evaluate(() => Math.abs(window.scrollY + window.innerHeight - document.documentElement.scrollHeight))).toBeLessThan(1);
    expect(await lastRowY()).toBeLessThanOrEqual(768);
    await page.screenshot({ path: join(ARTIFACTS, 'hall-scrolled-1366x768.png') });
    await page.goto(`${server.baseUrl}/#/admin`);
    await page.waitForSelector('[data-testid="save-rules"]');
    // The Admin page opens at its top, and its button lies below the fold once the rules are in.
    await expect.poll(() => page.locator('textarea').inputValue()).toMatch(/"rules"/);
    expect(await page.evaluate(() => window.scrollY)).toBe(0);
    expect(await inView('[data-testid="save-rules"]')).toBe(false);
    await page.mouse.wheel(0, 20_000);
    await expect.poll(() => inView('[data-testid="save-rules"]')).toBe(true);
    await page.goto(`${server.baseUrl}/wall`);
    await page.waitForSelector('[data-testid="wall"]');
    await page.mouse.wheel(0, 2000);
    await page.keyboard.press('End');
    // Two frames after the input: a page that could scroll has started to.
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    expect(await page.evaluate(() => window.scrollY)).toBe(0);
    expect(await page.evaluate(() => getComputedStyle(document.documentElement).overflow)).toBe('hidden');
  });

  it('shows 16 racks of one row going silent as one incident naming the row, and opens a rack from it', async () => {
    const row = site.halls[0].rows[6];
    await page.goto(`${server.baseUrl}/#/hall/${site.halls[0].id}?metric=return`);
    for (const id of row.rackIds) await fault(`silent:${id}`);
    const incident = await waitFor('one stale incident for the row', async () => {
      const a = await api('/api/alerts');
      const stale = a.incidents.filter((i: any) => [...i.roots, ...i.children.flatMap((c: any) => c.alerts)].some((x: any) => x.rule === 'rack-stale'));
      return stale.length === 1 && stale[0].children.length === row.rackIds.length ? stale[0] : notYet(a.incidents.map((i: any) => i.title));
    }, 20_000, 250);
    expect(incident.title).toBe(`${row.rackIds.length} racks of ${row.id}: rack telemetry stale (no sample for 3 intervals)`);
    expect(incident.scope).toBe(`row:${row.id}`);
    expect(incident.hallId).toBe(site.halls[0].id);
    const el = page.locator(`[data-incident="${incident.id}"].incident`);
    await expect.poll(() => el.locator('.hall').innerText(), { timeout: 5000 }).toBe(site.halls[0].name);
    await el.locator('[data-testid="incident-toggle"]').click();
    const detail = page.locator(`[data-testid="incident-detail"][data-incident="${incident.id}"]`);
    // The dashboard polls the incidents every 2 s; on a loaded 2-core machine allow a few rounds.
    await expect.poll(() => detail.locator('a[data-entity^="rack:"]').count(), { timeout: 15_000 }).toBe(row.rackIds.length);
    await page.screenshot({ path: join(ARTIFACTS, 'incident-expanded-1366x768.png') });
    await detail.locator(`a[data-entity="rack:${row.rackIds[3]}"]`).click();
    await page.waitForSelector(`[data-testid="rack-panel"][data-rack="${row.rackIds[3]}"]`);
    await expect.poll(() => page.locator('[data-testid="rack-panel"] .state').innerText()).toMatch(/^STALE/);
    // The link a notification carries opens the same incident, expanded.
    await page.goto(`${server.baseUrl}/#/incident/${encodeURIComponent(incident.id)}`);
    await page.waitForSelector(`[data-testid="incident-detail"][data-incident="${incident.id}"]`);
    await page.goto(`${server.baseUrl}/#/incident/${encodeURIComponent('rack:nope')}`);
    await expect.poll(() => page.locator('[data-testid="incident-missing"]').innerText()).toMatch(/Incident "rack:nope" is not open/);
    for (const id of row.rackIds) await fault(`clear:${id}`);
  });

  it('opens the CDU panel from its tile with live values, the racks it serves and a 15-minute chart', async () => {
    const hall = site.halls[0];
    await page.goto(`${server.baseUrl}/#/hall/${hall.id}?metric=return`);
    const canvas = `canvas[data-hall="${hall.id}"]`;
    await page.waitForFunction((sel) => Number(document.querySelector(sel)?.getAttribute('data-drawn') ?? 0) > 0, canvas);
    const cdu = site.cdus.find((c) => c.hallId === hall.id)!;
    const box = (await page.locator(canvas).boundingBox())!;
    const layout = layoutHall(site, hall, box.width, box.height, true, { maxAspect: HALL_VIEW_MAX_ASPECT });
    const r = layout.cdus.find((c) => c.index === cdu.index)!.rect;
    await page.mouse.click(box.x + r.x + r.w / 2, box.y + r.y + r.h / 2);
    const panel = page.locator(`[data-testid="cdu-panel"][data-cdu="${cdu.id}"]`);
    await panel.waitFor();
    expect(page.url()).toContain(`cdu=${cdu.id}`);
    await expect.poll(() => panel.locator('[data-field="supplyC"]').innerText()).toMatch(/^\d+\.\d\d °C setpoint \d+/);
    expect(await panel.locator('[data-testid="cdu-racks"] a').count()).toBe(cdu.rackIds.length);
    await expect.poll(async () => Number(await panel.locator('[data-testid="cdu-chart"]').getAttribute('data-points')), { timeout: 10_000 }).toBeGreaterThan(5);
    expect(await panel.locator('.u-legend').first().innerText()).toMatch(/Setpoint \d+ °C/);
    await panel.locator('[data-testid="cdu-racks"] a').first().click();
    await page.waitForSelector(`[data-testid="rack-panel"][data-rack="${cdu.rackIds[0]}"]`);
    // The rack chart opens with the server's history, not empty.
    await expect.poll(async () => Number(await page.locator('[data-testid="rack-chart"]').getAttribute('data-past-points')), { timeout: 10_000 })
      .toBeGreaterThan(5);
    await page.goto(`${server.baseUrl}/#/hall/${hall.id}?cdu=${cdu.id}`);
    await panel.waitFor();
    await panel.screenshot({ path: join(ARTIFACTS, 'cdu-panel-1366x768.png') });
  });

  it('says what is unknown: a route, a rack', async () => {
    await page.goto(`${server.baseUrl}/#/rack/nope`);
    await expect.poll(() => page.locator('[data-testid="unknown-route"]').innerText()).toMatch(/No page at "#\/rack\/nope"/);
    await page.goto(`${server.baseUrl}/#/hall/${site.halls[0].id}?rack=nope`);
    await expect.poll(() => page.locator('[data-testid="unknown-entity"]').innerText()).toMatch(/No rack "nope" in Hall 1/);
  });

  it('tells an admin a rejected rules file was rejected, with the server\'s reason, and keeps the old rules', async () => {
    await page.goto(`${server.baseUrl}/#/admin`);
    const area = page.locator('textarea');
    await expect.poll(() => area.inputValue()).toMatch(/"rules"/);
    const rules = JSON.parse(await area.inputValue());
    rules.rules[0].severity = 'apocalyptic';
    await area.fill(JSON.stringify(rules, null, 2));
    await page.click('[data-testid="save-rules"]');
    const msg = page.locator('[data-testid="rules-message"]');
    const rejected = new RegExp(
      '^Rejected — rules not saved, the previous rules stay in force: ' +
        'rules\\.rules\\[0\\]\\.severity: must be one of critical, major, minor, warning, got "apocalyptic"',
    );
    await expect.poll(() => msg.innerText()).toMatch(rejected);
    expect(await msg.getAttribute('class')).toMatch(/err/);
    const onDisk = await api('/api/admin/rules');
    expect(onDisk.rules[0].severity).not.toBe('apocalyptic');
    await area.fill('{ not json');
    await page.click('[data-testid="save-rules"]');
    await expect.poll(() => msg.innerText()).toMatch(/^Rejected — not valid JSON, nothing saved/);
    await msg.screenshot({ path: join(ARTIFACTS, 'admin-rules-rejected.png') });
  });

  it('keeps every show-once secret until it is dismissed', async () => {
    await page.goto(`${server.baseUrl}/#/admin`);
    await page.fill('[data-testid="wall-name"]', 'noc-wall-9');
    await page.click('[data-testid="create-wall"]');
    await page.waitForSelector('[data-testid="admin-secret"]');
    const wallUrl = await page.locator('[data-testid="admin-secret"] code').first().innerText();
    await page.fill('input[placeholder^="token name"]', 'grafana');
    await page.click('button:has-text("Create token")');
    await expect.poll(() => page.locator('[data-testid="admin-secret"]').count()).toBe(2);
    expect(await page.locator('[data-testid="admin-secret"] code').first().innerText()).toBe(wallUrl);
    expect(wallUrl).toMatch(/\/wall\?/);
    expect(errors).toEqual([]);
  });

  it('keeps the row\'s stale incident in the history, and expands it to its story: opening title, peak, cause, alerts with times', async () => {
    const row = site.halls[0].rows[6];
    const story = (h: any) => h.scope === `row:${row.id}` && h.story?.members.some((m: any) => m.rule === 'rack-stale');
    const resolved = await waitFor('the row\'s incident resolved', async () => {
      const a = await api('/api/alerts?history=1');
      return a.history.find(story) ?? notYet(a.history.map((h: any) => h.title));
    }, 90_000, 1000);
    await page.goto(`${server.baseUrl}/#/hall/${site.halls[0].id}?metric=return`);
    await page.click('[data-tab="history"]');
    const entry = page.locator(`[data-history="${resolved.id}"]`).first();
    await expect.poll(() => entry.locator('[data-testid="history-toggle"]').innerText()).toContain(resolved.story.openingTitle);
    await entry.locator('[data-testid="history-toggle"]').click();
    const detail = page.locator(`[data-testid="history-detail"][data-incident="${resolved.id}"]`).first();
    await expect.poll(() => detail.locator('[data-field="opened"]').innerText()).toContain(resolved.story.openingTitle);
    expect(await detail.locator('[data-field="peak"]').innerText()).toMatch(new RegExp(`^Peak\\s+${resolved.story.peak.severity}`));
    expect(await detail.locator('tr.member').count()).toBe(resolved.story.members.length);
    expect(await detail.locator(`tr.member[data-member^="rack-stale|rack:${row.id}-"]`).count()).toBeGreaterThanOrEqual(row.rackIds.length);
    await detail.screenshot({ path: join(ARTIFACTS, 'history-expanded-1366x768.png') });
  }, 180_000);

  it('shows a frozen and a noisy return sensor as sensor faults on their racks, not as temperature alarms', async () => {
    const rulesOn = async (rackId: string) => {
      const a = await api('/api/alerts');
      return a.alerts.filter((x: any) => x.entity === `rack:${rackId}` && x.phase === 'firing').map((x: any) => x.rule).sort();
    };
    const firing = async () => ({ stuck: await rulesOn(STUCK), noisy: await rulesOn(NOISY) });
    await waitFor('both sensor faults firing', async () =>
      seen(await firing(), (v) => v.stuck.includes('rack-sensor-frozen') && v.noisy.includes('rack-sensor-noisy')), 120_000, 1000);
    expect(await rulesOn(STUCK)).toEqual(['rack-sensor-frozen']);
    expect((await rulesOn(NOISY)).every((r: string) => r.startsWith('rack-sensor-'))).toBe(true);
    for (const id of [STUCK, NOISY]) {
      await page.goto(`${server.baseUrl}/#/hall/hall-2?rack=${id}`);
      const panel = page.locator(`[data-testid="rack-panel"][data-rack="${id}"]`);
      await expect.poll(() => panel.locator('[data-testid="entity-alerts"]').innerText(), { timeout: 10_000 })
        .toMatch(/SENSOR FAULT\s*sensor fault: return sensor (frozen|noisy)/);
    }
    await page.screenshot({ path: join(ARTIFACTS, 'sensor-fault-1366x768.png') });
  }, 180_000);
});
