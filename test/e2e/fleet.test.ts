/**
 * Two sites and a hub over NATS leaf nodes (docs/multi-site.md), with real Hallwatch: each site a
 * real nats-server, a real simulator and a real hall shard on it; the hub a real nats-server and
 * the real fleet view on it. The fleet page in headless Chromium shows both sites live with their
 * halls and a link to each site's dashboard where its shards name one; a CDU trip on one site is
 * an incident of that site only, and an ack and a silence made on the fleet page reach that
 * site's shard; a hall shard killed (-9) while the rest of its site beats is the hub's own
 * incident, acknowledged on the hub and gone once the shard is back; when a site's node is killed
 * (-9) — its leaf connection gone — the fleet marks that site stale with the reason, and live
 * again once it returns.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ARTIFACTS, launchChromium } from '../helpers/browser.ts';
import { startLeafCampus, type LeafCampus } from '../helpers/nats-leaf.ts';
import { startServer, startSimulator, type Program } from '../helpers/programs.ts';
import { getJson, notYet, waitFor } from '../helpers/wait.ts';
import { generateSite } from '../../simulators/generate-site.ts';

type Server = Awaited<ReturnType<typeof startServer>>;

const NORTH_URL = 'https://noc.example/north/';

describe('a two-site fleet over NATS leaf nodes', () => {
  let leaf: LeafCampus;
  let fleet: Server;
  const programs: Program[] = [];
  const sims = new Map<string, { controlPort: number; cduId: string }>();
  const shards = new Map<string, Server>();
  /** North's second hall and how its shard is started (it is killed and started again). */
  let northHall2 = '';
  let northShard2Args: string[] = [];
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    leaf = await startLeafCampus(['north', 'south']);
    await leaf.linked();
    const dir = mkdtempSync(join(tmpdir(), 'hallwatch-fleet-'));
    for (const s of leaf.sites) {
      // North has two halls, each its own shard; south one.
      const spec = generateSite({ halls: s.siteKey === 'north' ? 2 : 1, rows: 2, racksPerRow: 4, racksPerCdu: 2, name: s.siteKey });
      const path = join(dir, `${s.siteKey}.json`);
      writeFileSync(path, JSON.stringify(spec));
      // North's shard names where its users reach it (its campus view); south's does not.
      const publicUrl = s.siteKey === 'north' ? ['--public-url', NORTH_URL] : [];
      const shard = await startServer(['--site', path, '--mqtt', s.mqttUrl, '--cluster', s.natsUrl, '--halls', spec.halls[0].id, '--server-name', `shard-${s.siteKey}`, ...publicUrl]);
      programs.push(shard);
      shards.set(s.siteKey, shard);
      if (spec.halls.length > 1) {
        northHall2 = spec.halls[1].id;
        northShard2Args = ['--site', path, '--mqtt', s.mqttUrl, '--cluster', s.natsUrl, '--halls', northHall2, '--server-name', 'shard-north-2', ...publicUrl];
        const second = await startServer(northShard2Args);
        programs.push(second);
        shards.set('north-2', second);
      }
      const sim = await startSimulator(['--site', path, '--mqtt', s.mqttUrl, '--seed', '6', '--control-port', '0', '--drift', 'off']);
      programs.push(sim);
      sims.set(s.siteKey, { controlPort: Number(/control=(\d+)/.exec(sim.readyLine)![1]), cduId: spec.halls[0].cdus[0].id });
    }
    fleet = await startServer(['--fleet', '1', '--cluster', leaf.hub.natsUrl, '--server-name', 'fleet']);
    programs.push(fleet);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    page.on('pageerror', (e) => errors.push(e.message));
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all(programs.map((p) => p.stop()));
    await leaf?.stop();
  });

  const fleetView = () => getJson(`${fleet.baseUrl}/api/fleet`);
  const siteOf = async (key: string) => (await fleetView()).sites.find((s: any) => s.siteKey === key);

  it('shows both sites live with their halls on the fleet page', async () => {
    const view = await waitFor('both sites live on the fleet view', async () => {
      const v = await fleetView();
      return v.sites.length === 2 && v.sites.every((s: any) => s.state === 'live') && v.sites[0].halls.length === 2 ? v : notYet(v.sites);
    }, 30_000);
    expect(view.sites.map((s: any) => [s.siteKey, s.halls.map((h: any) => h.serverName)])).toEqual([['north', ['shard-north', 'shard-north-2']], ['south', ['shard-south']]]);
    await page.goto(fleet.baseUrl + '/');
    await expect.poll(() => page.locator('[data-testid="fleet"] .site[data-state="live"]').count(), { timeout: 15_000 }).toBe(2);
    // Each site links to its own dashboard when its shards name one.
    expect(view.sites.map((s: any) => s.dashboardUrl)).toEqual([NORTH_URL, null]);
    expect(await page.locator('.site[data-site="north"] [data-testid="fleet-site-link"]').getAttribute('href')).toBe(NORTH_URL);
    expect(await page.locator('.site[data-site="south"] [data-testid="fleet-site-link"]').count()).toBe(0);
    expect(errors).toEqual([]);
  }, 60_000);

  it('shows a CDU trip on one site as an incident of that site only, acknowledged and silenced from the hub on the site\'s shard', async () => {
    const { controlPort, cduId } = sims.get('north')!;
    expect((await fetch(`http://127.0.0.1:${controlPort}/faults`, { method: 'POST', body: `cdu-trip:${cduId}` })).ok).toBe(true);
    const north = await waitFor('the trip on site north', async () => {
      const s = await siteOf('north');
      return s.incidents.some((i: any) => JSON.stringify(i).includes(cduId)) ? s : notYet(s.incidents.map((i: any) => i.title));
    }, 30_000);
    expect(north.state).toBe('live');
    expect((await siteOf('south')).incidents).toEqual([]);
    await expect.poll(() => page.locator('.site[data-site="north"] .incidents li').count(), { timeout: 10_000 }).toBeGreaterThan(0);
    await page.screenshot({ path: join(ARTIFACTS, 'fleet-1920x1080.png') });
    // Acknowledged on the hub: the request goes down site north's leaf connection to its shard.
    const incidentId = north.incidents.find((i: any) => JSON.stringify(i).includes(cduId)).id;
    const row = page.locator(`.site[data-site="north"] li[data-incident="${incidentId}"]`);
    expect(await row.locator('[data-testid="fleet-incident-link"]').getAttribute('href')).toBe(`https://noc.example/north/#/incident/${encodeURIComponent(incidentId)}`);
    await row.locator('[data-testid="fleet-ack-button"]').click();
    await row.locator('[data-testid="fleet-ack-comment"]').fill('site team on the way');
    await row.locator('[data-testid="fleet-ack-confirm"]').click();
    const onShard = await waitFor('the ack on site north\'s shard', async () => {
      const i = (await getJson(`${shards.get('north')!.baseUrl}/api/alerts`)).incidents.find((x: any) => x.id === incidentId);
      return i?.acknowledged ? i.acknowledged : notYet(i && { acknowledged: i.acknowledged });
    }, 15_000);
    expect(onShard).toMatchObject({ by: 'anonymous (auth off)', comment: 'site team on the way' });
    await expect.poll(() => row.locator('[data-testid="fleet-ack"]').count(), { timeout: 10_000 }).toBe(1);
    expect(await row.locator('[data-testid="fleet-ack"]').innerText()).toMatch(/ACK anonymous \(auth off\) (\w{3} )?\d\d:\d\d — site team on the way/);
    // Silenced on the hub: kept by site north's shard, muting the incident, listed on the fleet page.
    await row.locator('[data-testid="fleet-silence-button"]').click();
    expect(await row.locator('[data-testid="silence-matcher"]').inputValue()).toBe(incidentId);
    await row.locator('[data-testid="silence-comment"]').fill('CDU swap tonight');
    await row.locator('[data-testid="silence-confirm"]').click();
    const muted = await waitFor('the incident muted on site north\'s shard', async () => {
      const a = await getJson(`${shards.get('north')!.baseUrl}/api/alerts`);
      const i = a.incidents.find((x: any) => x.id === incidentId);
      return i?.silencedBy ? a.silences.find((x: any) => x.id === i.silencedBy) : notYet(i && { silencedBy: i.silencedBy });
    }, 15_000);
    expect(muted).toMatchObject({ matcher: incidentId, comment: 'CDU swap tonight', by: 'anonymous (auth off)' });
    await expect.poll(() => row.locator('[data-testid="fleet-silence"]').innerText(), { timeout: 10_000 }).toMatch(/^SILENCED until (\w{3} )?\d\d:\d\d by anonymous \(auth off\) — CDU swap tonight$/);
    const listed = page.locator(`.site[data-site="north"] [data-silence="${muted.id}"]`);
    await expect.poll(() => listed.count(), { timeout: 10_000 }).toBe(1);
    await page.screenshot({ path: join(ARTIFACTS, 'fleet-acknowledged-1920x1080.png') });
    await listed.locator('[data-testid="fleet-unsilence"]').click();
    await waitFor('the silence gone from site north\'s shard', async () => {
      const ids = (await getJson(`${shards.get('north')!.baseUrl}/api/alerts`)).silences.map((x: any) => x.id);
      return ids.includes(muted.id) ? notYet(ids) : true;
    }, 15_000);
    await expect.poll(() => listed.count(), { timeout: 10_000 }).toBe(0);
    // What the hub refuses, naming why.
    const ack = (site: string, id: string, body: unknown) => fetch(`${fleet.baseUrl}/api/fleet/sites/${site}/incidents/${encodeURIComponent(id)}/ack`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
    });
    const refusals: [string, string, unknown, number, string][] = [
      ['west', incidentId, { comment: 'x' }, 404, 'no site "west" on this hub'],
      ['south', incidentId, { comment: 'x' }, 404, `no open incident "${incidentId}" on site south`],
      ['north', incidentId, {}, 400, 'comment: a non-empty string of at most 500 characters is required'],
    ];
    for (const [site, id, body, status, error] of refusals) {
      const res = await ack(site, id, body);
      expect([res.status, (await res.json()).error], `${site} ${JSON.stringify(body)}`).toEqual([status, error]);
    }
    const silence = (site: string, body: unknown, method = 'POST', id = '') => fetch(`${fleet.baseUrl}/api/fleet/sites/${site}/silences${id && `/${id}`}`, {
      method, headers: { 'content-type': 'application/json' }, body: method === 'POST' ? JSON.stringify(body) : undefined,
    });
    const silenceRefusals: [string, unknown, string, string, number, RegExp][] = [
      ['west', { matcher: 'hall:hall-1', minutes: 30, comment: 'x' }, 'POST', '', 404, /^no site "west" on this hub$/],
      ['north', { matcher: 'pdu:7', minutes: 30, comment: 'x' }, 'POST', '', 400, /^matcher: an incident ID, entity or scope/],
      ['north', {}, 'DELETE', 'silence-none', 404, /^no silence "silence-none" on site north$/],
    ];
    for (const [site, body, method, id, status, error] of silenceRefusals) {
      const res = await silence(site, body, method, id);
      const got = await res.json();
      expect(res.status, `${method} ${site} ${JSON.stringify(body)}: ${got.error}`).toBe(status);
      expect(got.error).toMatch(error);
    }
    await fetch(`http://127.0.0.1:${controlPort}/faults`, { method: 'POST', body: 'clear' });
    expect(errors).toEqual([]);
  }, 90_000);

  it('shows a hall shard killed (-9) while its site beats as the hub\'s own incident, acknowledged on the hub, gone once the shard is back', async () => {
    const downMs = Date.now();
    const killed = shards.get('north-2')!;
    const exited = new Promise((r) => killed.proc.once('exit', r));
    killed.proc.kill('SIGKILL');
    await exited;
    const { site, incident } = await waitFor('the silent shard\'s incident on site north', async () => {
      const s = await siteOf('north');
      const i = s.incidents.find((x: any) => x.roots.some((r: any) => r.rule === 'shard-unreachable'));
      return i ? { site: s, incident: i } : notYet({ state: s.state, reason: s.reason, incidents: s.incidents.map((x: any) => x.title) });
    }, 30_000);
    process.stdout.write(`fleet: a killed hall shard's incident on the hub ${((Date.now() - downMs) / 1000).toFixed(1)} s after the kill\n`);
    expect(site.state).toBe('live');
    expect(site.reason).toMatch(new RegExp(`^shard ${northHall2} \\(${northHall2}\\) silent since \\d\\d:\\d\\d:\\d\\d UTC while site north beats$`));
    expect(incident).toMatchObject({ severity: 'critical', title: `${northHall2}: hall shard ${northHall2} unreachable`, hallId: northHall2, acknowledged: null });
    expect(incident.rootCause.why).toMatch(/^no word from server shard-north-2 since \d\d:\d\d:\d\d: its halls' live values are stale$/);
    expect((await siteOf('south')).incidents).toEqual([]);
    // On the fleet page: the title opens the hall on the site's dashboard.
    const row = page.locator(`.site[data-site="north"] li[data-incident="${incident.id}"]`);
    await expect.poll(() => row.count(), { timeout: 10_000 }).toBe(1);
    expect(await row.locator('[data-testid="fleet-incident-link"]').getAttribute('href')).toBe(`${NORTH_URL}#/hall/${northHall2}`);
    await row.locator('[data-testid="fleet-ack-button"]').click();
    await row.locator('[data-testid="fleet-ack-comment"]').fill('site north restarting it');
    await row.locator('[data-testid="fleet-ack-confirm"]').click();
    await expect.poll(() => row.locator('[data-testid="fleet-ack"]').count(), { timeout: 10_000 }).toBe(1);
    expect((await siteOf('north')).incidents.find((x: any) => x.id === incident.id).acknowledged).toMatchObject({ comment: 'site north restarting it' });
    await page.screenshot({ path: join(ARTIFACTS, 'fleet-shard-down-1920x1080.png') });
    const back = await startServer(northShard2Args);
    programs.push(back);
    shards.set('north-2', back);
    await waitFor('the incident gone once the shard beats again', async () => {
      const s = await siteOf('north');
      return s.incidents.some((x: any) => x.id === incident.id) || s.reason ? notYet({ reason: s.reason, incidents: s.incidents.map((x: any) => x.title) }) : true;
    }, 30_000);
    await expect.poll(() => row.count(), { timeout: 10_000 }).toBe(0);
    expect(errors).toEqual([]);
  }, 120_000);

  it('marks a site stale with the reason when its node and leaf connection go, and live again when it returns', async () => {
    const north = leaf.site('north');
    const downMs = Date.now();
    await north.crash();
    const stale = await waitFor('site north stale on the fleet view', async () => {
      const s = await siteOf('north');
      return s.state === 'stale' ? s : notYet(s.state);
    }, 30_000);
    expect(stale.reason).toMatch(/^no beat from site north since \d\d:\d\d:\d\d UTC — its leaf connection or its shards are down$/);
    expect((await siteOf('south')).state).toBe('live');
    await expect.poll(() => page.locator('.site[data-site="north"]').getAttribute('data-state'), { timeout: 10_000 }).toBe('stale');
    await page.screenshot({ path: join(ARTIFACTS, 'fleet-site-stale-1920x1080.png') });
    process.stdout.write(`fleet: site north stale on the fleet ${((Date.now() - downMs) / 1000).toFixed(1)} s after its node was killed\n`);
    await north.start();
    await waitFor('site north live again', async () => ((await siteOf('north')).state === 'live' ? true : notYet('stale')), 60_000);
    expect(errors).toEqual([]);
  }, 120_000);
});
