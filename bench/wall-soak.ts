/**
 * `npm run bench:wall -- --minutes 30`: keeps the wall open on the demo site (server, embedded
 * broker, simulator) in Debian's Chromium, rotating one hall per screen every 10 s, with a CDU
 * trip injected and cleared every 5 minutes, and records every 30 s the JS heap after a forced
 * garbage collection, DOM nodes and event listeners (CDP Performance metrics), and the frame
 * intervals and long tasks of that half-minute. Not part of CI.
 */
import { startServer, startSimulator } from '../test/helpers/programs.ts';
import { launchChromium } from '../test/helpers/browser.ts';

const arg = (name: string, dflt: number) => (process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : dflt);
const MINUTES = arg('--minutes', 30);
const SAMPLE_S = 30;
const TOKEN = 'wall-soak-admin-token-000001';
/** Run in the page: the frame intervals and long tasks collected since the last call, and a fresh start. */
const TAKE_FRAMES = '(() => { const r = { frames: window.__frames, long: window.__long }; window.__frames = []; window.__long = []; return r; })()';
const q = (a: number[], p: number) => (a.length ? [...a].sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor(p * a.length))] : Number.NaN);

const server = await startServer(['--site', 'sites/demo.json', '--embedded-broker-port', '0', '--admin-token', TOKEN], { auth: true });
const sim = await startSimulator(['--site', 'sites/demo.json', '--mqtt', server.mqttUrl, '--control-port', '0', '--seed', '11']);
const control = Number(/control=(\d+)/.exec(sim.readyLine)![1]);
const res = await fetch(`${server.baseUrl}/api/admin/display-tokens`, {
  method: 'POST',
  headers: { authorization: `Bearer ${TOKEN}` },
  body: JSON.stringify({ name: 'soak' }),
});
const { wallPath } = (await res.json()) as { wallPath: string };
const browser = await launchChromium();
const rows: string[] = [];
try {
  const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  await page.goto(`${server.baseUrl}${wallPath}&per=1&rotate=10`);
  await page.waitForFunction(() => Number(document.querySelector('canvas[data-hall]')?.getAttribute('data-drawn') ?? 0) > 0, null, { timeout: 20_000 });
  // Frame intervals and long tasks, collected in the page and drained every sample.
  await page.evaluate(`(() => {
    window.__frames = []; window.__long = [];
    let last = performance.now();
    const loop = (t) => { window.__frames.push(t - last); last = t; requestAnimationFrame(loop); };
    requestAnimationFrame(loop);
    new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__long.push(e.duration); }).observe({ type: 'longtask', buffered: false });
  })()`);
  const metric = async () => {
    await cdp.send('HeapProfiler.collectGarbage');
    const { metrics } = (await cdp.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] };
    const m = Object.fromEntries(metrics.map((x) => [x.name, x.value]));
    return { heapMb: m.JSHeapUsedSize / 1048576, nodes: m.Nodes, listeners: m.JSEventListeners };
  };
  const heap: number[] = [];
  const allFrames: number[] = [];
  let longFrames = 0;
  let longTasks = 0;
  const t0 = Date.now();
  console.log('| min | JS heap after GC (MB) | DOM nodes | listeners | frames | frame p50 / p99 (ms) | frames > 50 ms | long tasks |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (let s = 0; s * SAMPLE_S < MINUTES * 60; s++) {
    const minute = (Date.now() - t0) / 60_000;
    // Every 10 samples a CDU trips or the faults clear, by turns.
    const fault = s % 20 === 10 ? 'cdu-trip:h2-r03-cdu-b' : 'clear-all';
    if (s > 0 && s % 10 === 0) await fetch(`http://127.0.0.1:${control}/faults`, { method: 'POST', body: fault });
    await new Promise((r) => setTimeout(r, SAMPLE_S * 1000));
    const { frames, long } = (await page.evaluate(TAKE_FRAMES)) as { frames: number[]; long: number[] };
    const m = await metric();
    heap.push(m.heapMb);
    allFrames.push(...frames);
    longFrames += frames.filter((f) => f > 50).length;
    longTasks += long.length;
    const frameMs = `${q(frames, 0.5).toFixed(1)} / ${q(frames, 0.99).toFixed(1)}`;
    const slowFrames = frames.filter((f) => f > 50).length;
    const row = `| ${minute.toFixed(1)} | ${m.heapMb.toFixed(1)} | ${m.nodes} | ${m.listeners} | ` +
      `${frames.length} | ${frameMs} | ${slowFrames} | ${long.length} |`;
    rows.push(row);
    console.log(row);
  }
  const firstThird = heap.slice(0, Math.max(1, Math.floor(heap.length / 3)));
  const lastThird = heap.slice(-Math.max(1, Math.floor(heap.length / 3)));
  const avg = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
  console.log(
    `\nwall soak, ${MINUTES} min at 1920×1080: JS heap after GC first third ${avg(firstThird).toFixed(1)} MB → last third ${avg(lastThird).toFixed(1)} MB ` +
      `(min ${Math.min(...heap).toFixed(1)}, max ${Math.max(...heap).toFixed(1)}); ${allFrames.length} frames, p50 ${q(allFrames, 0.5).toFixed(1)} ms, ` +
      `p99 ${q(allFrames, 0.99).toFixed(1)} ms, max ${Math.max(...allFrames).toFixed(1)} ms, frames > 50 ms: ${longFrames}, long tasks: ${longTasks}`,
  );
} finally {
  await browser.close();
  await sim.stop();
  await server.stop();
}
