/**
 * Incidents that say what is wrong, what it costs and what to do, on the demo site with the
 * simulator's faults, in headless Chromium at 1920×1080: a clogged rack is the root of its row's
 * incident (its CDUs' flow imbalance a consequence, the other racks at risk) and the dashboard's
 * detail says why and what to do; a CDU trip says what its partners carry and what a second trip
 * costs, and the wall shows its action under the banner.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { startServer, startSimulator, type Program } from '../helpers/programs.ts';
import { ARTIFACTS, launchChromium } from '../helpers/browser.ts';
import { notYet, seen, waitFor } from '../helpers/wait.ts';
import type { AlertsSnapshot, IncidentView } from '../../protocol/alerts.ts';

describe('incident cause, cost and action in the browser', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let sim: Program;
  let browser: Browser;
  let fault: (cmd: string) => Promise<void>;

  const incidents = async (): Promise<IncidentView[]> => ((await (await fetch(`${server.baseUrl}/api/alerts`)).json()) as AlertsSnapshot).incidents;
  /** The open incident `pick` finds, waited for. */
  const incident = (what: string, pick: (i: IncidentView) => boolean, timeoutMs: number) =>
    waitFor(what, async () => {
      const all = await incidents();
      return all.find(pick) ?? notYet(all.map((i) => ({ id: i.id, title: i.title, root: i.rootCause })));
    }, timeoutMs, 1000);

  beforeAll(async () => {
    // A copy of the shipped rules: the test changes them through the admin API, which writes the file.
    const rulesPath = join(mkdtempSync(join(tmpdir(), 'hallwatch-incident-cause-')), 'rules.json');
    copyFileSync('config/alert-rules.json', rulesPath);
    server = await startServer(['--site', 'sites/demo.json', '--embedded-broker-port', '0', '--alert-rules', rulesPath]);
    sim = await startSimulator(['--site', 'sites/demo.json', '--mqtt', server.mqttUrl, '--control-port', '0', '--seed', '7']);
    const controlPort = Number(/control=(\d+)/.exec(sim.readyLine)![1]);
    fault = async (cmd) => {
      const res = await fetch(`http://127.0.0.1:${controlPort}/faults`, { method: 'POST', body: cmd });
      if (!res.ok) throw new Error(`${cmd}: HTTP ${res.status}`);
    };
    const racksLive = async () => ((await (await fetch(`${server.baseUrl}/api/halls/hall-1`)).json()) as { totals: { racksLive: number } }).totals.racksLive;
    await waitFor('racks live', async () => seen(await racksLive(), (v) => v === 208), 20_000);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await sim?.stop();
    await server?.stop();
  });

  it('a clogged rack is the root of its row\'s incident; the dashboard says why and what to do', async () => {
    await fault('clog:h1-r02-k05:55');
    // Its return (30 s), the row's flow imbalance (60 s) and its own flow alert (100 s) join one incident, rooted on the rack.
    const inc = await incident('an incident rooted on the clogged rack, its flow alert fired, its CDUs\' imbalance as consequences', (i) =>
      i.rootCause?.entity === 'rack:h1-r02-k05' && i.roots.some((a) => a.rule === 'rack-flow-below-need') && (i.consequences?.length ?? 0) > 0, 240_000);
    expect(inc.rootCause!.why).toMatch(/^flow at \d+ % of what its load needs \(\d+ of \d+ L\/min\)$/);
    expect(inc.consequences!.every((a) => a.entity.startsWith('cdu:h1-r02-') && a.rule.startsWith('cdu-flow-imbalance'))).toBe(true);
    expect(inc.racks).toEqual(['h1-r02-k05']);
    expect(inc.atRisk).toHaveLength(15);
    expect(inc.action).toMatch(/^dispatch to h1-r02-k05: check its valve/);
    expect(inc.title).toMatch(/^h1-r02-k05: /);

    const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.baseUrl}/#/incident/${encodeURIComponent(inc.id)}`);
    const detail = page.locator(`[data-testid="incident-detail"][data-incident="${inc.id}"]`);
    await detail.waitFor({ timeout: 15_000 });
    await expect.poll(() => detail.locator('[data-testid="incident-root"]').innerText()).toMatch(/^Root cause\s+h1-r02-k05\s+flow at \d+ % of what its load needs/);
    await expect.poll(() => detail.locator('[data-testid="incident-action"]').innerText()).toMatch(/^Action\s+dispatch to h1-r02-k05: /);
    expect(await detail.locator('[data-testid="incident-at-risk"]').innerText()).toMatch(/^At risk \(15\)/);
    await detail.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(ARTIFACTS, 'incident-clog-detail-1920x1080.png') });
    expect(errors).toEqual([]);
    await page.close();
    await fault('clear:h1-r02-k05');
  }, 300_000);

  /** Replaces the rules through the admin API (the Admin page's editor sends the same). */
  const putRules = async (rules: unknown) => {
    const res = await fetch(`${server.baseUrl}/api/admin/rules`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(rules) });
    return { status: res.status, body: await res.json() };
  };

  it('a CDU trip says what its partners carry and what a second trip costs; the wall shows the action, as an admin words it', async () => {
    const shipped = await (await fetch(`${server.baseUrl}/api/admin/rules`)).json();
    const edited = structuredClone(shipped);
    const trip = edited.rules.find((r: { id: string }) => r.id === 'cdu-tripped');
    trip.action = 'call the {hall} CDU vendor for {entity}';
    const i = edited.rules.indexOf(trip);
    expect(await putRules({ ...edited, rules: edited.rules.map((r: object, k: number) => (k === i ? { ...r, action: 'call {vendor}' } : r)) }))
      .toEqual({ status: 400, body: { error: `rules.rules[${i}].action: unknown placeholder {vendor} (use {entity}, {group}, {hall})` } });
    expect(await putRules(edited)).toEqual({ status: 200, body: { ok: true } });
    await fault('cdu-trip:h1-r05-cdu-a');
    const inc = await incident('the trip\'s incident', (i) => i.rootCause?.entity === 'cdu:h1-r05-cdu-a', 30_000);
    expect(inc.impact).toMatch(/^partners at \d+ %, pumps at \d+(–\d+)? %, N\+1 (lost: a second trip overloads h1-r05 by|holds: a second trip leaves) \d+(\.\d)? [kM]W( spare)?$/);
    expect(inc.action).toMatch(/^call the Hall 1 CDU vendor for h1-r05-cdu-a(; consider capping h1-r05)?$/);

    const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.baseUrl}/wall`);
    const item = page.locator(`[data-testid="wall-banner"] [data-incident="${inc.id}"]`);
    await item.waitFor({ timeout: 15_000 });
    await expect.poll(() => item.locator('[data-testid="wall-action"]').innerText()).toBe(`→ ${(await incidents()).find((i) => i.id === inc.id)!.action}`);
    await page.screenshot({ path: join(ARTIFACTS, 'incident-trip-wall-1920x1080.png') });
    expect(errors).toEqual([]);
    await page.close();
    await fault('clear:h1-r05-cdu-a');
    expect(await putRules(shipped)).toEqual({ status: 200, body: { ok: true } });
  }, 60_000);
});
