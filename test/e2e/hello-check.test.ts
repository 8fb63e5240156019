/**
 * The dashboard and the wall in headless Chromium facing a server they cannot read: the real
 * server's `hello` is rewritten on its way to the page (other columns, a newer protocol). The
 * page says on screen what it expected and what it got, applies no frame, and after a server
 * upgrade reloads once (not in a loop) to fetch the matching dashboard.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { RACK_COLUMNS, STREAM_PROTOCOL_VERSION, type HelloMessage } from '../../protocol/stream.ts';
import { startServer } from '../helpers/programs.ts';
import { ARTIFACTS, launchChromium } from '../helpers/browser.ts';
import { seen, waitFor } from '../helpers/wait.ts';

/** A page whose `/ws` hello passes through `rewrite`; every other frame reaches it unchanged. */
async function pageWithHello(context: BrowserContext, rewrite: (hello: HelloMessage) => HelloMessage): Promise<Page> {
  const page = await context.newPage();
  await page.routeWebSocket(/\/ws(\?|$)/, (ws) => {
    const server = ws.connectToServer();
    server.onMessage((frame) => {
      const hello = typeof frame === 'string' && frame.startsWith('{"type":"hello"') ? (JSON.parse(frame) as HelloMessage) : null;
      ws.send(hello ? JSON.stringify(rewrite(hello)) : frame);
    });
  });
  return page;
}

describe('hello check in headless Chromium', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const context = async () => {
    const c = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
    contexts.push(c);
    return c;
  };

  beforeAll(async () => {
    server = await startServer(['--site', 'sites/demo.json', '--embedded-broker-port', '0']);
    browser = await launchChromium();
  });

  afterAll(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await server?.stop();
  });

  it('the dashboard facing other columns says which, and applies no frame', async () => {
    const page = await pageWithHello(await context(), (h) => ({ ...h, rackColumns: [...h.rackColumns, 'dewPointC'] }));
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.baseUrl + '/');
    const banner = page.locator('[data-testid="protocol-mismatch"]');
    await banner.waitFor({ timeout: 15_000 });
    const n = RACK_COLUMNS.length;
    const reason = `rack columns: expected ${n}, got ${n + 1} (unknown dewPointC)`;
    expect(await banner.innerText()).toBe(`This dashboard does not match the server — ${reason}. Nothing below is current.`);
    await page.screenshot({ path: join(ARTIFACTS, 'hello-mismatch-dashboard.png') });
    expect(await page.locator('[data-status]').getAttribute('data-status')).not.toBe('live');
    // No frame applied: the snapshot's site totals (0.00 MW without a simulator) never reached the KPIs.
    expect(await page.locator('.site-kpis .kpi').first().innerText()).toMatch(/^IT power\s+—$/);
    expect(errors).toEqual([]);
  });

  it('the wall facing an upgraded server reloads once, then says which versions differ', async () => {
    const newer = STREAM_PROTOCOL_VERSION + 1;
    const page = await pageWithHello(await context(), (h) => ({ ...h, protocol: newer }));
    let loads = 0;
    page.on('load', () => loads++);
    await page.goto(server.baseUrl + '/wall');
    await waitFor('the reload after the newer hello', () => seen(loads, (n) => n >= 2), 15_000);
    const banner = page.locator('[data-testid="wall-protocol-mismatch"]');
    await banner.waitFor({ timeout: 15_000 });
    expect(await banner.innerText()).toBe(
      `WALL DOES NOT MATCH THE SERVER — stream protocol: expected version ${STREAM_PROTOCOL_VERSION}, got ${newer}. Nothing below is current.`,
    );
    await page.screenshot({ path: join(ARTIFACTS, 'hello-mismatch-wall.png') });
    // The reloaded page met the same server, and its guard kept it from reloading again.
    expect(Number(await page.evaluate(() => sessionStorage.getItem('hallwatch.upgradeReloadMs')))).toBeGreaterThan(0);
    expect(loads).toBe(2);
  });
});
