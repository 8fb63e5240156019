/**
 * `npm run bench:heatmap`: how long the dashboard takes to paint a 10,000-rack heat map in
 * Debian's Chromium while live deltas arrive. Serves a generated site from the real server
 * (embedded broker), publishes every rack and CDU at 1 Hz, and records each canvas paint
 * (layout + draw) and the page's frame intervals for --seconds S (default 15), for each case
 * below (`--only 1,3` picks some). `--profile DIR` writes the page's JavaScript CPU profile of
 * each case there (a .cpuprofile, as `node --cpu-prof` does). `--cpu-slowdown N` runs the page's
 * main thread N times slower (Chromium's CPU throttling): a NOC's wall PC or a slower machine.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSite } from '../simulators/generate-site.ts';
import { connectMqttAsync } from '../simulators/mqtt-client.ts';
import { entityTopic } from '../protocol/topics.ts';
import { startServer } from '../test/helpers/programs.ts';
import { launchChromium } from '../test/helpers/browser.ts';

const SECONDS = Number(process.argv[process.argv.indexOf('--seconds') + 1]) || 15;
const PROFILE = process.argv.includes('--profile') ? process.argv[process.argv.indexOf('--profile') + 1] : null;
const SLOWDOWN = process.argv.includes('--cpu-slowdown') ? Number(process.argv[process.argv.indexOf('--cpu-slowdown') + 1]) : 1;

interface Case {
  name: string;
  halls: number;
  rows: number;
  racksPerRow: number;
  route: string;
  /**
   * How return temperatures move: `drift` wanders slowly (a few percent of the racks change
   * colour class each second, as in a working hall); `churn` moves every rack to another class
   * every second (the worst case for repainting only what changed).
   */
  values: 'drift' | 'churn';
  /** Presses of + on the focused heat map before measuring (each 1.5×). */
  zoomSteps?: number;
}

/** One hall of 100 rows × 100 racks, shown on its hall page. */
const BIG_HALL = { halls: 1, rows: 100, racksPerRow: 100, route: '#/hall/hall-1?metric=return' };

const ALL: Case[] = [
  { name: 'one hall of 10,000 racks (100 rows × 100), hall view', ...BIG_HALL, values: 'drift' },
  { name: 'the same hall, every rack changing colour every second', ...BIG_HALL, values: 'churn' },
  { name: 'the same hall zoomed 3.4× (three presses of +)', ...BIG_HALL, values: 'drift', zoomSteps: 3 },
  { name: 'site overview, 4 halls × 2,500 racks (50 × 50)', halls: 4, rows: 50, racksPerRow: 50, route: '#/', values: 'drift' },
];

const ONLY = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1].split(',').map(Number) : null;
const CASES = ONLY ? ALL.filter((_, i) => ONLY.includes(i + 1)) : ALL;

/** Return temperature of rack `r` in publishing round `round` (one round a second). */
function returnCOf(c: Case, r: number, round: number): number {
  // The return scale runs 38 → 56 °C in nine classes of 2 °C.
  if (c.values === 'churn') return 39 + ((r + round * 4) % 9) * 2;
  const phase = ((r * 7919) % 1000) / 1000;
  return 46 + 4 * Math.sin(2 * Math.PI * (phase + round / 60)) + (((r * 31 + round * 17) % 10) - 5) / 20;
}

const q = (a: number[], p: number) => (a.length ? [...a].sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor(p * a.length))] : Number.NaN);

async function runCase(c: Case): Promise<void> {
  const spec = generateSite({ halls: c.halls, rows: c.rows, racksPerRow: c.racksPerRow, racksPerCdu: 10, name: c.name });
  const dir = mkdtempSync(join(tmpdir(), 'hallwatch-heatmap-'));
  const sitePath = join(dir, 'site.json');
  writeFileSync(sitePath, JSON.stringify(spec));
  const server = await startServer(['--site', sitePath, '--embedded-broker-port', '0']);
  const pub = await connectMqttAsync({ urls: server.mqttUrl, clientId: `bench-heatmap-${process.pid}` });
  const racks = spec.halls.flatMap((h) => h.rows.flatMap((r) => r.racks.map((k) => ({ hallId: h.id, id: k.id }))));
  const cdus = spec.halls.flatMap((h) => h.cdus.map((u) => ({ hallId: h.id, id: u.id })));
  let k = 0;
  let j = 0;
  const timer = setInterval(() => {
    // 1/20 of the racks and CDUs every 50 ms: each once a second.
    for (let n = 0; n < racks.length / 20; n++, k++) {
      const r = racks[k % racks.length];
      const returnC = returnCOf(c, k % racks.length, Math.floor(k / racks.length));
      const reading = { ts: Date.now(), rackKw: 110, supplyC: 40, returnC, flowLpm: 180 };
      pub.publish(entityTopic('hallwatch/v1', r.hallId, 'rack', r.id, 'telemetry'), JSON.stringify(reading));
    }
    for (let n = 0; n < cdus.length / 20; n++, j++) {
      const u = cdus[j % cdus.length];
      const returnC = 44 + (((j * 7919) % 1000) / 1000) * 6;
      const reading = { ts: Date.now(), supplyC: 40, returnC, flowLpm: 1800, running: true };
      pub.publish(entityTopic('hallwatch/v1', u.hallId, 'cdu', u.id, 'telemetry'), JSON.stringify(reading));
    }
  }, 50);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    if (SLOWDOWN > 1) await (await page.context().newCDPSession(page)).send('Emulation.setCPUThrottlingRate', { rate: SLOWDOWN });
    await page.goto(`${server.baseUrl}/${c.route}`);
    await page.waitForSelector('[data-status="live"]', { timeout: 20_000 });
    if (c.zoomSteps) {
      await page.focus('canvas[data-hall]');
      for (let n = 0; n < c.zoomSteps; n++) await page.keyboard.press('+');
    }
    await page.waitForTimeout(2000);
    const cdp = PROFILE ? await page.context().newCDPSession(page) : null;
    if (cdp) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.start');
    }
    // Plain JavaScript source: the TS loader's helpers do not exist inside the page.
    const result = (await page.evaluate(`new Promise((resolve) => {
      const draws = [], frames = [];
      const canvases = [...document.querySelectorAll('canvas[data-hall]')];
      const seen = new Map();
      const tiles = () => canvases.reduce((n, cv) => n + Number(cv.dataset.repaintedTiles || 0), 0);
      const tiles0 = tiles();
      let last = performance.now();
      const end = last + ${SECONDS} * 1000;
      const loop = (t) => {
        frames.push(t - last);
        last = t;
        for (const cv of canvases) {
          const key = cv.dataset.drawn + '|' + cv.dataset.drawMs;
          if (seen.get(cv) !== key) { seen.set(cv, key); draws.push(Number(cv.dataset.drawMs)); }
        }
        if (t < end) requestAnimationFrame(loop); else resolve({ draws, frames, canvases: canvases.length, tiles: tiles() - tiles0 });
      };
      requestAnimationFrame(loop);
    })`)) as { draws: number[]; frames: number[]; canvases: number; tiles: number };
    if (cdp && PROFILE) {
      const { profile } = await cdp.send('Profiler.stop');
      mkdirSync(PROFILE, { recursive: true });
      const file = join(PROFILE, `heatmap-${ALL.indexOf(c)}.cpuprofile`);
      writeFileSync(file, JSON.stringify(profile));
      console.log(`  profile: ${file}`);
    }
    const paintsPerS = result.draws.length / SECONDS;
    const slower = SLOWDOWN > 1 ? ` (CPU ${SLOWDOWN}× slower)` : '';
    const tilesPerPaint = (result.tiles / Math.max(1, result.draws.length)).toFixed(0);
    console.log(
      `${c.name}${slower}: ${result.canvases} canvas(es), ${paintsPerS.toFixed(1)} paints/s, ${tilesPerPaint} tiles repainted per paint; ` +
        `paint p50 ${q(result.draws, 0.5).toFixed(1)} ms, p95 ${q(result.draws, 0.95).toFixed(1)} ms, ` +
        `p99 ${q(result.draws, 0.99).toFixed(1)} ms, max ${Math.max(...result.draws).toFixed(1)} ms; ` +
        `frame interval p50 ${q(result.frames, 0.5).toFixed(1)} ms, p99 ${q(result.frames, 0.99).toFixed(1)} ms, ` +
        `frames > 50 ms: ${result.frames.filter((f) => f > 50).length}`,
    );
    await page.screenshot({ path: join(dir, 'heatmap.png') });
    console.log(`  screenshot: ${join(dir, 'heatmap.png')}`);
  } finally {
    clearInterval(timer);
    await browser.close();
    await pub.endAsync();
    await server.stop();
  }
}

for (const c of CASES) await runCase(c);
