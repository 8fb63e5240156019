/**
 * `npm run bench:alerts`: how many incidents the shipped rules open for the simulator's faults
 * and for a healthy demo — the "do the alerts cry wolf" figure of docs/alerts.md. Runs the real
 * server (embedded broker, demo site, default rules) and simulator, lets the trend window fill,
 * then for each fault: inject, hold, clear, wait for every incident to resolve, and count the
 * incidents that opened; then watches the healthy demo. Prints progress every 30 s and one table at the end.
 *
 *   --healthy-minutes N   healthy demo watched after the faults (default 30)
 *   --hold-s N            each fault is held this long (default 240)
 *   --only a,b            run only these scenarios (names below, `healthy`, and `ingest-pause-1gw`:
 *                         a 5 s pause of every publisher on a 1 GW site, run first, alone — bench/ingest-pause.ts)
 */
import { startServer, startSimulator } from '../test/helpers/programs.ts';
import { ingestPause1Gw } from './ingest-pause.ts';

interface IncidentLite {
  id: string;
  severity: string;
  title: string;
  startedMs: number;
  rootCause?: { entity: string } | null;
  roots?: { entity: string }[];
}

/** The entity an incident names as its cause. */
const rootOf = (i: IncidentLite) => i.rootCause?.entity ?? i.roots?.[0]?.entity ?? '—';

const SCENARIOS: { name: string; fault: string }[] = [
  { name: 'surge', fault: 'surge:h1-r07' },
  { name: 'supply-excursion', fault: 'supply-excursion:h1-r03-cdu-a:6' },
  { name: 'cdu-trip', fault: 'cdu-trip:h1-r05-cdu-a' },
  { name: 'cdu-degrade', fault: 'cdu-degrade:h1-r09-cdu-b:40' },
  { name: 'clog', fault: 'clog:h1-r11-k03:70' },
  { name: 'sensor-stuck', fault: 'sensor-stuck:h1-r02-k05' },
  { name: 'sensor-noisy', fault: 'sensor-noisy:h1-r04-k03:3' },
];

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
}
const healthyMin = Number(arg('healthy-minutes', '30'));
const holdS = Number(arg('hold-s', '240'));
const only = arg('only', '');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (s: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${s}`);

const rows: string[] = [];
function printTable(): void {
  console.log('\n| scenario | first incident after | incidents opened | most open at once | incidents (cause) | all resolved after the clear |');
  console.log('|---|---|---|---|---|---|');
  for (const r of rows) console.log(r);
}
const INGEST_PAUSE = 'ingest-pause-1gw';
// First, with the machine to itself: the 1 GW site needs every core.
if (!only || only.split(',').includes(INGEST_PAUSE)) rows.push(await ingestPause1Gw(log));
if (only && only.split(',').every((n) => n === INGEST_PAUSE)) {
  printTable();
  process.exit(0);
}

const server = await startServer(['--site', 'sites/demo.json', '--embedded-broker-port', '0']);
// Without the fouling racks: every incident counted here is one a fault caused.
const sim = await startSimulator(['--site', 'sites/demo.json', '--mqtt', server.mqttUrl, '--control-port', '0', '--drift', 'off']);
const controlPort = Number(/control=(\d+)/.exec(sim.readyLine)?.[1] ?? /port=(\d+)/.exec(sim.readyLine)?.[1]);

async function alerts(): Promise<{ open: IncidentLite[]; history: IncidentLite[] }> {
  const body = await (await fetch(`${server.baseUrl}/api/alerts?history=1`)).json();
  return { open: body.incidents, history: body.history };
}
async function fault(cmd: string): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${controlPort}/faults`, { method: 'POST', body: cmd });
  if (!res.ok) throw new Error(`fault ${cmd}: HTTP ${res.status} ${await res.text()}`);
}
/** Incidents (open or resolved) that started at or after `fromMs`, by ID and start. */
async function openedSince(fromMs: number): Promise<IncidentLite[]> {
  const a = await alerts();
  const seen = new Map<string, IncidentLite>();
  for (const i of [...a.open, ...a.history]) if (i.startedMs >= fromMs) seen.set(`${i.id}@${i.startedMs}`, i);
  return [...seen.values()];
}
const announced = new Set<string>();
async function watch(label: string, seconds: number, fromMs: number): Promise<number> {
  let maxOpen = 0;
  for (let s = 0; s < seconds; s += 5) {
    await sleep(5000);
    const a = await alerts();
    maxOpen = Math.max(maxOpen, a.open.length);
    for (const i of a.open) {
      if (announced.has(`${i.id}@${i.startedMs}`)) continue;
      announced.add(`${i.id}@${i.startedMs}`);
      log(`  opened ${i.id}: ${i.severity} ${i.title}`);
    }
    if (s % 30 === 25) log(`${label}: ${s + 5}/${seconds} s, open ${a.open.length}, opened since start ${(await openedSince(fromMs)).length}`);
  }
  return maxOpen;
}

try {
  log(`server ${server.baseUrl}, simulator control :${controlPort}; warming up 330 s so the 5-min trend window fills`);
  await watch('warm-up', 330, Date.now());
  for (const sc of SCENARIOS) {
    if (only && !only.split(',').includes(sc.name)) continue;
    const t0 = Date.now();
    await fault(sc.fault);
    log(`${sc.name}: ${sc.fault} for ${holdS} s`);
    let maxOpen = await watch(sc.name, holdS, t0);
    const firstMs = Math.min(...(await openedSince(t0)).map((i) => i.startedMs));
    await fault('clear-all');
    const clearedMs = Date.now();
    // Wait for every incident to resolve (at most 5 min), still counting; a second apart, for the time to clear.
    let resolvedS = Number.NaN;
    for (let s = 0; s < 300; s++) {
      const a = await alerts();
      maxOpen = Math.max(maxOpen, a.open.length);
      if (a.open.length === 0) {
        resolvedS = (Date.now() - clearedMs) / 1000;
        break;
      }
      await sleep(1000);
    }
    const left = (await alerts()).open.length;
    const opened = await openedSince(t0);
    const first = Number.isFinite(firstMs) ? `${((firstMs - t0) / 1000).toFixed(0)} s` : '—';
    const titles = opened.map((i) => `${i.severity} ${i.title} (cause: ${rootOf(i)})`).join('<br>') || '—';
    const resolved = Number.isFinite(resolvedS) ? `${resolvedS.toFixed(0)} s` : 'not within 5 min';
    rows.push(`| ${sc.fault}, ${holdS} s | ${first} | ${opened.length} | ${maxOpen}${left ? ` (${left} still open)` : ''} | ${titles} | ${resolved} |`);
    log(`${sc.name}: ${opened.length} incidents opened, first after ${first}`);
  }
  if (!only || only.split(',').includes('healthy')) {
    const t0 = Date.now();
    const maxOpen = await watch('healthy', healthyMin * 60, t0);
    const opened = await openedSince(t0);
    rows.push(`| healthy demo, ${healthyMin} min | — | ${opened.length} | ${maxOpen} | ${opened.map((i) => `${i.severity} ${i.title}`).join('<br>') || '—'} | — |`);
    log(`healthy: ${opened.length} incidents opened`);
  }
} finally {
  await sim.stop();
  await server.stop();
}
printTable();
