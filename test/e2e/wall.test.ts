/**
 * The NOC wall in headless Chromium, signed in only by the display token in its URL: fits
 * 1920×1080 and 3840×2160 with no scrolling, nothing clipped and no text under the documented
 * minimum; rotates halls and pauses on a critical incident with the banner raised; a frozen
 * stream shows "connection lost" within 5 s and recovers by itself; a revoked token ends it;
 * acknowledged and silenced incidents say who, when and why, listed after the active ones.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startServer, startSimulator, type Program } from '../helpers/programs.ts';
import { ARTIFACTS, launchChromium } from '../helpers/browser.ts';
import { seen, waitFor } from '../helpers/wait.ts';
import { clockText } from '../../web/src/lib/incident-marks.ts';

const TOKEN = 'wall-test-admin-token-0001';

/** Layout checks run in the page: scrolling, clipped or off-screen text, smallest font. */
const LAYOUT_PROBE = `(() => {
  const doc = document.scrollingElement;
  const minPx = Number(document.querySelector('[data-testid="wall"]').dataset.minTextPx);
  const problems = [];
  let smallest = Infinity;
  let texts = 0;
  if (doc.scrollHeight > innerHeight || doc.scrollWidth > innerWidth) problems.push('page scrolls: ' + doc.scrollWidth + 'x' + doc.scrollHeight);
  for (const el of document.querySelectorAll('[data-testid="wall"] *')) {
    const hasText = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!hasText) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    const px = parseFloat(getComputedStyle(el).fontSize);
    smallest = Math.min(smallest, px);
    texts++;
    const label = el.tagName + '.' + el.className + ' "' + el.textContent.trim().slice(0, 40) + '"';
    if (px < minPx - 0.01) problems.push('text below ' + minPx + ' px (' + px + '): ' + label);
    if (r.left < -0.5 || r.top < -0.5 || r.right > innerWidth + 0.5 || r.bottom > innerHeight + 0.5) problems.push('off screen: ' + label);
    if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).display !== 'inline') problems.push('clipped: ' + label);
  }
  return { problems, smallest, minPx, texts };
})()`;

/** Seconds of the day on the wall's own clock (`Sun 6 Dec 16:05:12`), re-rendered with its rotation four times a second. */
async function wallClockS(page: Page): Promise<number> {
  const text = await page.locator('[data-testid="wall-clock"]').innerText();
  const [h, m, sec] = /(\d\d):(\d\d):(\d\d)\s*$/.exec(text)!.slice(1).map(Number);
  return h * 3600 + m * 60 + sec;
}

describe('wall screen in headless Chromium', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let sim: Program;
  let browser: Browser;
  let controlPort: number;
  let wallPath: string;
  let plainPath: string;
  const api = async (method: string, path: string, body?: unknown, token = TOKEN) => {
    const res = await fetch(server.baseUrl + path, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  };
  const fault = (f: string) => fetch(`http://127.0.0.1:${controlPort}/faults`, { method: 'POST', body: f });

  beforeAll(async () => {
    server = await startServer(
      ['--site', 'sites/demo.json', '--embedded-broker-port', '0', '--admin-token', TOKEN, '--ws-auth-recheck-ms', '1000'],
      { auth: true },
    );
    sim = await startSimulator(['--site', 'sites/demo.json', '--mqtt', server.mqttUrl, '--control-port', '0', '--seed', '5']);
    controlPort = Number(/control=(\d+)/.exec(sim.readyLine)![1]);
    const layout = { halls: ['hall-1', 'hall-2'], hallsPerScreen: 1, rotateS: 5, metric: 'return' };
    expect((await api('PUT', '/api/admin/wall-layouts/noc', layout)).status).toBe(200);
    const t = await api('POST', '/api/admin/display-tokens', { name: 'noc-wall', expiresInDays: 365 });
    plainPath = t.body.wallPath;
    wallPath = `${t.body.wallPath}&layout=noc`;
    await waitFor('racks live', async () => seen((await api('GET', '/api/halls/hall-1')).body.totals.racksLive, (v) => v === 208), 20_000);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await sim?.stop();
    await server?.stop();
  });

  /** `timezoneId`: the browser's zone; `prepare`: runs before the wall loads (routes). */
  async function openWall(
    width: number, height: number, path = wallPath, opts: { timezoneId?: string; prepare?: (p: Page) => Promise<unknown> } = {},
  ): Promise<Page> {
    // A fresh context: no cookies, as on a kiosk after a reboot.
    const context = await browser.newContext({ viewport: { width, height }, timezoneId: opts.timezoneId });
    const page = await context.newPage();
    await opts.prepare?.(page);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.stack ?? e.message));
    (page as any).errors = errors;
    await page.goto(server.baseUrl + path);
    try {
      await page.waitForFunction(() => Number(document.querySelector('canvas[data-hall]')?.getAttribute('data-drawn') ?? 0) > 0, null, { timeout: 15_000 });
    } catch (e) {
      await page.screenshot({ path: join(ARTIFACTS, 'wall-not-drawn.png') });
      throw new Error(
        `wall not drawn: ${(e as Error).message}; page errors: ${errors.join('; ')}; ` +
          `text: ${(await page.locator('body').innerText()).slice(0, 300)}`,
      );
    }
    return page;
  }

  it.each([
    [1920, 1080],
    [3840, 2160],
  ])('fits %i×%i: no scrolling, nothing clipped, no text under the minimum', async (width, height) => {
    // The default wall: every hall, as many side by side as fit (both demo halls).
    const page = await openWall(width, height, plainPath);
    expect(await page.locator('[data-testid="wall"]').getAttribute('data-halls')).toBe('hall-1,hall-2');
    await expect.poll(() => page.locator('[data-testid="wall-kpis"]').innerText(), { timeout: 5000 }).toMatch(/IT power\s+\d+\.\d\d MW/);
    // Laid out with everything in it: both heat maps drawn and the data age shown.
    await page.waitForFunction(() => {
      const maps = [...document.querySelectorAll('canvas[data-hall]')];
      return maps.length === 2 && maps.every((c) => Number(c.getAttribute('data-drawn') ?? 0) > 0);
    });
    await expect.poll(() => page.locator('[data-testid="wall-data-age"]').innerText(), { timeout: 5000 }).toMatch(/^data \d/);
    const probe = (await page.evaluate(LAYOUT_PROBE)) as { problems: string[]; smallest: number; minPx: number; texts: number };
    expect(probe.texts).toBeGreaterThan(10);
    expect(probe.problems).toEqual([]);
    expect(probe.minPx).toBe(width === 1920 ? 18 : 36);
    expect(probe.smallest).toBeGreaterThanOrEqual(probe.minPx);
    // The heat map fills the screen: at least 55 % of its height.
    const canvas = (await page.locator('canvas[data-hall]').first().boundingBox())!;
    expect(canvas.height).toBeGreaterThan(height * 0.55);
    await expect.poll(() => page.locator('[data-testid="wall-clock"]').innerText(), { timeout: 3000 }).toMatch(/\d\d:\d\d:\d\d/);
    expect(await page.locator('[data-testid="wall-data-age"]').innerText()).toMatch(/^data \d+\.\d s old$/);
    await page.screenshot({ path: join(ARTIFACTS, `wall-${width}x${height}.png`) });
    expect((page as any).errors).toEqual([]);
    await page.context().close();
  });

  it('rotates halls, and pauses on the hall of a critical incident with the banner raised (and sounds, when asked)', async () => {
    const page = await openWall(1920, 1080, `${wallPath}&sound=1`);
    const wall = page.locator('[data-testid="wall"]');
    const first = await wall.getAttribute('data-halls');
    await expect.poll(() => wall.getAttribute('data-halls'), { timeout: 8000 }).not.toBe(first);
    expect(await page.locator('[data-testid="wall-rotation"]').innerText()).toMatch(/screen [12]\/2 · next in \d s/);
    await fault('cdu-trip:h2-r04-cdu-a');
    await expect.poll(() => wall.getAttribute('data-paused'), { timeout: 15_000 }).toBe('true');
    expect(await wall.getAttribute('data-halls')).toBe('hall-2');
    await expect.poll(() => wall.getAttribute('data-beeps'), { timeout: 5000 }).toBe('1');
    const banner = page.locator('[data-testid="wall-banner"] [data-incident="group:h2-r04"]');
    await expect.poll(() => banner.innerText(), { timeout: 6000 }).toMatch(/CRITICAL\s+Hall 2\s+h2-r04-cdu-a: CDU tripped/);
    // Stays on hall 2 through more than a rotation period (5 s) of the wall's own clock, which drives its rotation.
    const pausedAtS = await wallClockS(page);
    await expect.poll(async () => ((await wallClockS(page)) - pausedAtS + 86_400) % 86_400, { timeout: 20_000 }).toBeGreaterThanOrEqual(6);
    expect(await wall.getAttribute('data-halls')).toBe('hall-2');
    expect(await page.locator('[data-testid="wall-rotation"]').innerText()).toMatch(/PAUSED/);
    const probe = (await page.evaluate(LAYOUT_PROBE)) as { problems: string[]; texts: number };
    expect(probe.texts).toBeGreaterThan(10);
    expect(probe.problems).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'wall-critical-1920x1080.png') });
    // Acknowledged: dimmed, still shown, still paused (the incident is open).
    expect(await api('POST', `/api/incidents/${encodeURIComponent('group:h2-r04')}/ack`, { comment: 'crew on site' }))
      .toEqual({ status: 200, body: { ok: true } });
    await expect.poll(() => banner.innerText(), { timeout: 6000 }).toMatch(/ACK admin-token/);
    await fault('clear-all');
    await expect.poll(() => wall.getAttribute('data-paused'), { timeout: 60_000 }).toBe('false');
    await page.context().close();
  }, 120_000);

  it('says who acknowledged an incident when and why, and which silence mutes it until when, listing it after the active ones', async () => {
    const olga = (await api('POST', '/api/admin/tokens', { name: 'olga', role: 'operator' })).body.token as string;
    const ids = ['group:h1-r05', 'group:h1-r11', 'group:h2-r09'];
    // The one silenced trips first: the oldest critical, which the old order listed ahead of the acknowledged ones.
    for (const f of ['cdu-trip:h1-r05-cdu-a', 'cdu-trip:h1-r11-cdu-c', 'cdu-trip:h2-r09-cdu-b']) expect((await fault(f)).status).toBe(200);
    await waitFor('three CDU trips open', async () => {
      const open = (await api('GET', '/api/alerts')).body.incidents as { id: string; severity: string }[];
      return seen(open.filter((i) => ids.includes(i.id) && i.severity === 'critical').length, (n) => n === 3);
    }, 20_000);
    const longWhy = 'tech on the way with a spare pump; racks h2-r09-k01 to k16 are on the partner CDUs until the swap, call 4411 before touching the valves';
    expect((await api('POST', `/api/incidents/${encodeURIComponent(ids[1])}/ack`, { comment: 'tech on the way' }, olga)).status).toBe(200);
    expect((await api('POST', `/api/incidents/${encodeURIComponent(ids[2])}/ack`, { comment: longWhy }, olga)).status).toBe(200);
    const silence = await api('POST', '/api/silences', { matcher: ids[0], minutes: 60, comment: 'cold plate service' }, olga);
    expect(silence.status).toBe(200);
    const snapshot = (await api('GET', '/api/alerts')).body;
    const ackAtMs = snapshot.incidents.find((i: { id: string }) => i.id === ids[1]).acknowledged.atMs as number;
    expect(snapshot.silences.find((x: { id: string }) => x.id === silence.body.id)).toMatchObject({ activeNow: true, activeUntilMs: silence.body.endsMs });
    // Local 24-hour time on the wall's own zone; a weekday only if the test straddles midnight.
    const TZ = 'Europe/Amsterdam';
    const hm = (ms: number) => clockText(ms, ms, TZ);
    try {
      for (const [width, height] of [[1920, 1080], [3840, 2160]]) {
        const page = await openWall(width, height, plainPath, { timezoneId: TZ });
        const banner = page.locator('[data-testid="wall-banner"]');
        await expect.poll(() => banner.locator('[data-testid="wall-silence"]').count(), { timeout: 8000 }).toBe(1);
        await expect.poll(() => banner.locator('[data-testid="wall-ack"]').count(), { timeout: 8000 }).toBe(2);
        const ack = banner.locator(`[data-incident="${ids[1]}"] [data-testid="wall-ack"]`);
        expect(await ack.innerText()).toMatch(new RegExp(`^ACK olga (\\w{3} )?${hm(ackAtMs)} — tech on the way$`));
        expect(await banner.locator(`[data-incident="${ids[2]}"] [data-testid="wall-ack"]`).innerText()).toMatch(/^ACK olga .* — tech on the way with a spare pump; .*…$/);
        expect(await banner.locator(`[data-incident="${ids[0]}"] [data-testid="wall-silence"]`).innerText())
          .toMatch(new RegExp(`^SILENCED until (\\w{3} )?${hm(silence.body.endsMs)} by olga — cold plate service$`));
        // Active incidents first (the two acknowledged ones, in either order: they tripped together), the silenced one after them.
        const order = await banner.locator('[data-incident]').evaluateAll((els) => els.map((e) => e.getAttribute('data-incident')));
        expect([...order.slice(0, 2)].sort()).toEqual([ids[1], ids[2]]);
        expect(order[2]).toBe(ids[0]);
        // Counted apart, severities spelled out.
        const counts = page.locator('[data-testid="wall-incident-counts"]');
        expect(await counts.innerText()).toMatch(/^2 critical\s*·\s*1 silenced$/);
        expect(await banner.locator(`[data-incident="${ids[0]}"] .sev`).innerText()).toBe('CRITICAL');
        const probe = (await page.evaluate(LAYOUT_PROBE)) as { problems: string[]; texts: number };
        expect(probe.texts).toBeGreaterThan(10);
        expect(probe.problems).toEqual([]);
        await page.screenshot({ path: join(ARTIFACTS, `wall-ack-silence-${width}x${height}.png`) });
        expect((page as any).errors).toEqual([]);
        await page.context().close();
      }
    } finally {
      await fault('clear-all');
    }
    // The tests after this one rotate, which an open critical incident would pause.
    await waitFor('the three CDU trips resolved', async () => {
      const open = (await api('GET', '/api/alerts')).body.incidents as { id: string }[];
      return seen(open.map((i) => i.id).filter((id) => ids.includes(id)), (left) => left.length === 0);
    }, 90_000, 500);
    expect((await api('DELETE', `/api/silences/${encodeURIComponent(silence.body.id)}`)).status).toBe(200);
  }, 180_000);

  it.each([
    [1920, 1080],
    [3840, 2160],
  ])('fits %i×%i with every severity open, long comments and silences', async (width, height) => {
    // The alerts the wall polls, answered in the page: a crowded case the demo does not reach.
    const nowMs = Date.now();
    const why = 'tech on the way with a spare pump and a flow meter; the racks of the row run on the partner CDUs until the swap is done';
    const incident = (n: number, severity: string, over: object = {}) => ({
      id: `group:h1-r${String(n).padStart(2, '0')}`, severity, title: `h1-r${String(n).padStart(2, '0')}-cdu-a: CDU tripped — its group serves 16 racks and the partners run at 69 % of their capacity`,
      startedMs: nowMs - n * 60_000, scope: 'row:h1', hallId: 'hall-1', racks: [], roots: [], children: [], acknowledged: null, silencedBy: null, ...over,
    });
    const ack = { by: 'olga', atMs: nowMs - 30_000, comment: why };
    const silence = { id: 's1', matcher: 'hall:hall-1', startsMs: nowMs - 60_000, endsMs: nowMs + 3_600_000, activeUntilMs: nowMs + 3_600_000, comment: why, by: 'olga', createdMs: nowMs, activeNow: true };
    const snapshot = {
      nowMs, alerts: [], silences: [silence],
      incidents: [
        incident(1, 'critical', { silencedBy: 's1', acknowledged: ack }), incident(2, 'critical', { acknowledged: ack }), incident(3, 'critical', { acknowledged: ack }),
        incident(4, 'major'), incident(5, 'minor'), incident(6, 'warning'), incident(7, 'critical'), incident(8, 'major', { silencedBy: 's1' }),
      ],
    };
    const page = await openWall(width, height, plainPath, {
      prepare: (p) => p.route('**/api/alerts', (route) => route.fulfill({ json: snapshot })),
    });
    const counts = page.locator('[data-testid="wall-incident-counts"]');
    await expect.poll(() => counts.innerText(), { timeout: 8000 }).toMatch(/^3 critical\s*·\s*1 major\s*·\s*1 minor\s*·\s*1 warning\s*·\s*2 silenced$/);
    await expect.poll(() => page.locator('[data-testid="wall-banner-more"]').innerText()).toBe('+ 3 more: 1 major · 2 silenced');
    const probe = (await page.evaluate(LAYOUT_PROBE)) as { problems: string[]; texts: number };
    expect(probe.problems).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, `wall-crowded-${width}x${height}.png`) });
    await page.context().close();
  });

  it('says "connection lost" within 5 s of the stream freezing, hatches the tiles, and recovers by itself', async () => {
    const page = await openWall(1920, 1080);
    await expect.poll(() => page.locator('[data-testid="wall-data-age"]').innerText(), { timeout: 5000 }).toMatch(/^data \d\.\d s old$/);
    const t0 = Date.now();
    server.proc.kill('SIGSTOP');
    try {
      await page.locator('[data-testid="wall-connection-lost"]').waitFor({ timeout: 5000 });
      expect(Date.now() - t0).toBeLessThan(5000);
      const lost = page.locator('[data-testid="wall-connection-lost"]');
      await expect.poll(() => lost.innerText(), { timeout: 5000 }).toMatch(/^CONNECTION LOST — data [1-9]\d* s old/);
      await page.screenshot({ path: join(ARTIFACTS, 'wall-connection-lost-1920x1080.png') });
    } finally {
      server.proc.kill('SIGCONT');
    }
    await page.locator('[data-testid="wall-connection-lost"]').waitFor({ state: 'detached', timeout: 15_000 });
    expect(await page.locator('[data-testid="wall-data-age"]').innerText()).toMatch(/^data \d\.\d s old$/);
    await page.context().close();
  }, 60_000);

  it('shows the data ageing when telemetry stops while the stream itself runs', async () => {
    const page = await openWall(1920, 1080);
    const age = page.locator('[data-testid="wall-data-age"]');
    await expect.poll(() => age.innerText(), { timeout: 5000 }).toMatch(/^data [0-2]\.\d s old$/);
    sim.proc.kill('SIGSTOP');
    try {
      await expect.poll(async () => Number(/data (\d+(?:\.\d)?) s/.exec(await age.innerText())?.[1]), { timeout: 10_000 }).toBeGreaterThan(5);
      expect(await age.getAttribute('class')).toMatch(/stale/);
      expect(await page.locator('[data-testid="wall-connection-lost"]').count()).toBe(0);
      // Every rack stale (or, past the broker's keepalive, offline by its Last Will).
      await expect.poll(async () => {
        const m = /Racks stale \/ offline\s+(\d+) \/ (\d+)/.exec(await page.locator('[data-testid="wall-kpis"]').innerText());
        return m ? Number(m[1]) + Number(m[2]) : 0;
      }, { timeout: 10_000 }).toBe(416);
    } finally {
      sim.proc.kill('SIGCONT');
    }
    await expect.poll(() => age.innerText(), { timeout: 15_000 }).toMatch(/^data [0-2]\.\d s old$/);
    await page.context().close();
  }, 60_000);

  it('ends a revoked display token\'s session within seconds and says why', async () => {
    const t = await api('POST', '/api/admin/display-tokens', { name: 'lobby-wall' });
    const page = await openWall(1920, 1080, t.body.wallPath);
    expect((await api('DELETE', `/api/admin/display-tokens/${t.body.id}`)).status).toBe(200);
    await expect.poll(() => page.locator('[data-testid="wall-access-ended"]').innerText(), { timeout: 10_000 })
      .toMatch(/ACCESS ENDED — display token "lobby-wall" was revoked/);
    // After a reboot the wall says it is not signed in, with the reason.
    await page.reload();
    await expect.poll(() => page.locator('[data-testid="wall-refused"]').innerText(), { timeout: 10_000 }).toMatch(/display token "lobby-wall" was revoked/);
    await page.context().close();
  });

  it('rotates across saved views, each with its own halls and metric', async () => {
    expect((await api('PUT', '/api/admin/wall-layouts/temps', { halls: ['hall-1', 'hall-2'], hallsPerScreen: 2, metric: 'return' })).status).toBe(200);
    expect((await api('PUT', '/api/admin/wall-layouts/flows', { halls: ['hall-2'], hallsPerScreen: 1, metric: 'flow' })).status).toBe(200);
    const page = await openWall(1920, 1080, `${plainPath}&views=temps,flows&rotate=5`);
    const wall = page.locator('[data-testid="wall"]');
    const seen = new Set<string>();
    await expect.poll(async () => {
      // Both attributes in one read: two reads can straddle a rotation and pair one view's halls with the next one's metric.
      seen.add(await wall.evaluate((el) => `${el.getAttribute('data-halls')}|${el.getAttribute('data-metric')}`));
      return seen.size;
    }, { timeout: 15_000, interval: 500 }).toBe(2);
    expect([...seen].sort()).toEqual(['hall-1,hall-2|return', 'hall-2|flow']);
    await page.context().close();
  });

  it('reports a bad URL parameter on the wall instead of guessing', async () => {
    const page = await openWall(1920, 1080, `${wallPath}&metric=watts&halls=hall-1,hall-9`);
    await expect.poll(() => page.locator('[data-testid="wall-problems"]').innerText(), { timeout: 5000 })
      .toMatch(/metric: "watts" is not one of .* · halls: no hall "hall-9"/);
    expect(await page.locator('[data-testid="wall"]').getAttribute('data-halls')).toBe('hall-1');
    await page.context().close();
  });
});
