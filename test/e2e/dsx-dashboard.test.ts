/**
 * The dashboard on a site discovered from a DSX Exchange recording, fed by replaying it: the
 * pod's heat map drawn, a rack panel with the replayed values, the CDU panel saying what the
 * bus does not know.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startProgram, startServer, type Program } from '../helpers/programs.ts';
import { ARTIFACTS, launchChromium } from '../helpers/browser.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const EXEMPLAR = join(ROOT, 'test', 'fixtures', 'dsx', 'dsx_exemplar.csv');

describe('dashboard on a DSX-fed site', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let replay: Program;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    const sitePath = join(mkdtempSync(join(tmpdir(), 'hallwatch-dsx-ui-')), 'site.json');
    execFileSync(process.execPath, ['--import', 'tsx', join(ROOT, 'simulators/site-cli.ts'), '--from-dsx', EXEMPLAR, '--out', sitePath], {
      cwd: ROOT,
      timeout: 60_000,
    });
    server = await startServer(['--site', sitePath, '--embedded-broker-port', '0', '--dsx-root', 'BMS/v1']);
    replay = await startProgram('simulators/replay.ts', [EXEMPLAR, '--mqtt', server.mqttUrl, '--speed', '4', '--loop'], 'HALLWATCH_REPLAY_READY');
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
  });

  afterAll(async () => {
    await browser?.close();
    await replay?.stop();
    await server?.stop();
  });

  it('draws the pod and opens a rack panel with the replayed values', async () => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.baseUrl}/#/hall/pod1C?metric=return`);
    await page.waitForFunction(() => Number(document.querySelector('canvas[data-hall="pod1C"]')?.getAttribute('data-drawn') ?? 0) > 0);
    await page.goto(`${server.baseUrl}/#/hall/pod1C?rack=Pod1C-E02`);
    const panel = page.locator('[data-testid="rack-panel"][data-rack="Pod1C-E02"]');
    await expect.poll(() => panel.locator('.state').innerText(), { timeout: 20_000 }).toMatch(/^LIVE/);
    await expect.poll(() => panel.locator('[data-field="returnC"]').innerText(), { timeout: 10_000 }).toMatch(/^\d\d\.\d\d °C/);
    await expect.poll(() => panel.locator('[data-field="heatKw"]').innerText()).toMatch(/^\d+\.\d kW$/);
    await page.screenshot({ path: join(ARTIFACTS, 'dsx-rack-1920x1080.png') });
    await page.goto(`${server.baseUrl}/#/hall/pod1C?cdu=C-F00-CDU-05`);
    const cdu = page.locator('[data-testid="cdu-panel"][data-cdu="C-F00-CDU-05"]');
    await expect.poll(() => cdu.locator('[data-testid="cdu-unknown"]').innerText(), { timeout: 10_000 }).toMatch(/Capacity and rated flow unknown/);
    // The CDU's supply point comes on the recording's own cadence, not with the racks' points.
    await expect.poll(() => cdu.locator('[data-field="supplyC"]').innerText(), { timeout: 15_000 }).toMatch(/^3\d\.\d\d °C setpoint 32 °C/);
    expect(await cdu.locator('[data-field="n1HeadroomKw"]').innerText()).toBe('—');
    await page.screenshot({ path: join(ARTIFACTS, 'dsx-cdu-1920x1080.png') });
    expect(errors).toEqual([]);
  });
});
