/**
 * One address for the NOC: two real Hallwatch servers reading the same Mosquitto (fed by the
 * simulator) behind a real HAProxy with the shipped configuration, and the wall opened through
 * HAProxy in headless Chromium. `kill -9` of the server the wall is on: the wall says the
 * connection is lost, then is live again on the other server — fresh frames, the other server's
 * name in its header — without anyone touching it. The seconds are logged, not asserted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startServer, startSimulator, type Program } from '../helpers/programs.ts';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.ts';
import { startHaproxy, type Haproxy } from '../helpers/haproxy.ts';
import { ARTIFACTS, launchChromium } from '../helpers/browser.ts';
import { getJson, notYet, seen, waitFor } from '../helpers/wait.ts';

type Server = Awaited<ReturnType<typeof startServer>>;

/** In the page: when the connection-lost bar came and went, and the server named in the header then, by the browser's clock. */
const WATCH_BAR = `(() => {
  const log = (window.__failover = []);
  let shown = false;
  const look = () => {
    const now = !!document.querySelector('[data-testid="wall-connection-lost"]');
    if (now === shown) return;
    shown = now;
    const server = document.querySelector('[data-testid="wall-server"]')?.textContent?.replace(/^on /, '') ?? null;
    log.push({ lost: now, atMs: Date.now(), server });
  };
  new MutationObserver(look).observe(document.body, { childList: true, subtree: true, characterData: true });
})()`;

describe('failover of a wall between two servers behind HAProxy', () => {
  let broker: Mosquitto;
  let servers: Server[] = [];
  let sim: Program;
  let proxy: Haproxy;
  let browser: Browser;

  beforeAll(async () => {
    broker = await startMosquitto();
    // Authentication off: two servers without a shared store would each issue their own display tokens.
    servers = await Promise.all([0, 1].map(() => startServer(['--site', 'sites/demo.json', '--mqtt', broker.url])));
    sim = await startSimulator(['--site', 'sites/demo.json', '--mqtt', broker.url, '--seed', '7']);
    for (const s of servers) {
      await waitFor(`server :${s.port} racks live`, async () =>
        seen((await getJson(`${s.baseUrl}/api/halls/hall-1`)).totals.racksLive, (v: number) => v === 208), 20_000);
    }
    proxy = await startHaproxy(servers.map((s, k) => ({ name: `hw-${k + 1}`, host: '127.0.0.1', port: s.port })));
    await waitFor('HAProxy to see both servers ready', async () => seen(await proxy.states(), (st) => st['hw-1'] === 'UP' && st['hw-2'] === 'UP'), 15_000);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await proxy?.stop();
    await sim?.stop();
    for (const s of servers) await s.stop();
    await broker?.stop();
  });

  async function openWall(): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
    const page = await context.newPage();
    await page.goto(`${proxy.url}/wall`);
    await page.waitForFunction(() => Number(document.querySelector('canvas[data-hall]')?.getAttribute('data-drawn') ?? 0) > 0, null, { timeout: 15_000 });
    await page.locator('[data-testid="wall-server"]').waitFor({ timeout: 10_000 });
    return page;
  }

  /** Times the heat map was drawn (bumped by each applied frame that changed it). */
  const drawn = (page: Page) => page.evaluate(() => Number(document.querySelector('canvas[data-hall]')?.getAttribute('data-drawn') ?? 0));

  it('shows "connection lost", then is live again through the other server by itself', async () => {
    const page = await openWall();
    const onName = (await page.locator('[data-testid="wall-server"]').innerText()).replace(/^on /, '');
    const victim = servers.find((s) => onName.endsWith(`:${s.port}`));
    expect(victim, `wall names its server "${onName}"`).toBeDefined();
    const survivor = servers.find((s) => s !== victim)!;
    await page.evaluate(WATCH_BAR);

    const killedAtMs = Date.now();
    victim!.proc.kill('SIGKILL');
    await page.locator('[data-testid="wall-connection-lost"]').waitFor({ timeout: 10_000 });
    await page.screenshot({ path: join(ARTIFACTS, 'failover-reconnecting-1920x1080.png') });

    await page.locator('[data-testid="wall-connection-lost"]').waitFor({ state: 'detached', timeout: 30_000 });
    await expect.poll(() => page.locator('[data-testid="wall-server"]').innerText(), { timeout: 10_000 }).toMatch(new RegExp(`:${survivor.port}$`));
    // Fresh frames from the survivor: the map keeps being redrawn and the data is seconds old.
    const before = await drawn(page);
    await waitFor('the heat map redrawn from new frames', async () => seen(await drawn(page), (n) => n > before), 10_000);
    await expect.poll(() => page.locator('[data-testid="wall-data-age"]').innerText(), { timeout: 5000 }).toMatch(/^data \d\.\d s old$/);
    await page.screenshot({ path: join(ARTIFACTS, 'failover-recovered-1920x1080.png') });

    const log = (await page.evaluate('window.__failover')) as { lost: boolean; atMs: number; server: string | null }[];
    const lostAt = log.find((e) => e.lost);
    const backAt = [...log].reverse().find((e) => !e.lost);
    expect(lostAt && backAt).toBeTruthy();
    console.log(
      `failover: wall on ${onName} (kill -9); "connection lost" after ${((lostAt!.atMs - killedAtMs) / 1000).toFixed(2)} s; ` +
        `live again on ${backAt!.server ?? '?'} after ${((backAt!.atMs - killedAtMs) / 1000).toFixed(2)} s; bar shown ${log.filter((e) => e.lost).length} time(s)`,
    );
    // Recovered through HAProxy's redispatch of the refused connection, before its checks noticed.
    const states = await proxy.states();
    await waitFor('HAProxy to mark the killed server down', async () => {
      const st = await proxy.states();
      const name = `hw-${servers.indexOf(victim!) + 1}`;
      return st[name]?.startsWith('DOWN') || notYet(st);
    }, 10_000);
    console.log(`HAProxy at recovery: ${JSON.stringify(states)}`);
    await page.context().close();
  }, 90_000);

  it('shows in the header whether the pair is whole, from /api/cluster (the answer stood in here: these servers are not clustered)', async () => {
    const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
    const page = await context.newPage();
    let view = { serverName: 'hw-2', clustered: true, members: ['hw-2'], leader: 'hw-2' as string | null };
    await page.route('**/api/cluster', (route) => route.fulfill({ json: view }));
    await page.goto(`${proxy.url}/`);
    const badge = page.locator('[data-testid="server-badge"]');
    await expect.poll(() => badge.getAttribute('data-pair'), { timeout: 10_000 }).toBe('broken');
    expect(await badge.innerText()).toMatch(/^on \S+:\d+\s+PAIR BROKEN · 1 of 2 servers seen$/);
    await page.locator('header').screenshot({ path: join(ARTIFACTS, 'header-pair-broken.png') });
    view = { ...view, members: ['hw-1', 'hw-2'], leader: 'hw-1' };
    await expect.poll(() => badge.getAttribute('data-pair'), { timeout: 10_000 }).toBe('whole');
    expect(await badge.innerText()).toMatch(/pair whole$/);
    await page.locator('header').screenshot({ path: join(ARTIFACTS, 'header-pair-whole.png') });

    view = { ...view, members: ['hw-1'], leader: null };
    const wall = await context.newPage();
    await wall.route('**/api/cluster', (route) => route.fulfill({ json: view }));
    await wall.goto(`${proxy.url}/wall`);
    await wall.locator('[data-testid="wall-pair-broken"]').waitFor({ timeout: 10_000 });
    expect(await wall.locator('[data-testid="wall-pair-broken"]').getAttribute('title')).toBe('no leader; 1 of 2 servers seen');
    await wall.screenshot({ path: join(ARTIFACTS, 'wall-pair-broken-1920x1080.png') });
    await context.close();
  }, 60_000);
});
