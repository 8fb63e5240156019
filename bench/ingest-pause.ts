/**
 * The `ingest-pause-1gw` case of `npm run bench:alerts`: a 5 s pause of every publisher on a
 * 1 GW site (7,400 racks of benchSite, the real simulator through Debian's Mosquitto — the
 * embedded broker does not keep up there), as a broker or gateway hiccup makes it. The simulator
 * is frozen (SIGSTOP) for `pauseS` and thawed; what counts is how many incidents open from then
 * until every one of them has resolved (expected: one, "telemetry delayed"), and how many racks
 * the wall showed stale at once.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchSite } from './bench-site.ts';
import { startServer, startSimulator } from '../test/helpers/programs.ts';
import { startMosquitto } from '../test/helpers/mosquitto.ts';

interface IncidentLite { id: string; severity: string; title: string; startedMs: number }

/** One row of the alert-noise table: scenario, first incident after, incidents opened, most open at once, incidents. */
export async function ingestPause1Gw(log: (line: string) => void, opts: { racks?: number; pauseS?: number; settleS?: number } = {}): Promise<string> {
  const racks = opts.racks ?? 7400;
  const pauseS = opts.pauseS ?? 5;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const dir = mkdtempSync(join(tmpdir(), 'hallwatch-ingest-pause-'));
  const sitePath = join(dir, 'site.json');
  writeFileSync(sitePath, JSON.stringify(benchSite(racks).spec));
  const broker = await startMosquitto();
  const server = await startServer(['--site', sitePath, '--mqtt', broker.url, '--storage-dir', join(dir, 'storage')]);
  const sim = await startSimulator(['--site', sitePath, '--mqtt', broker.url, '--control-port', '0']);
  const metric = async (series: string): Promise<number> => {
    const line = (await (await fetch(`${server.baseUrl}/metrics`)).text()).split('\n').find((l) => l.startsWith(`${series} `));
    return line ? Number(line.slice(series.length + 1)) : 0;
  };
  const alerts = async (): Promise<{ open: IncidentLite[]; history: IncidentLite[] }> => {
    const body = await (await fetch(`${server.baseUrl}/api/alerts?history=1`)).json();
    return { open: body.incidents, history: body.history };
  };
  const openedSince = async (fromMs: number): Promise<IncidentLite[]> => {
    const a = await alerts();
    const seen = new Map<string, IncidentLite>();
    for (const i of [...a.open, ...a.history]) if (i.startedMs >= fromMs) seen.set(`${i.id}@${i.startedMs}`, i);
    return [...seen.values()];
  };
  try {
    log(`ingest-pause-1gw: ${racks} racks; waiting for every rack live`);
    for (let s = 0; (await metric('hallwatch_racks{state="live"}')) < racks; s++) {
      if (s > 600) throw new Error('ingest-pause-1gw: the site did not go live within 10 min');
      await sleep(1000);
    }
    // Settle: the first minute's incidents (groups deriving, first trend fits) are not the pause's.
    await sleep((opts.settleS ?? 60) * 1000);
    const before = (await alerts()).open.length;
    const t0 = Date.now();
    sim.proc.kill('SIGSTOP');
    let maxStale = 0;
    let maxOpen = 0;
    const watchOnce = async () => {
      maxStale = Math.max(maxStale, await metric('hallwatch_racks{state="stale"}'));
      maxOpen = Math.max(maxOpen, (await alerts()).open.length - before);
    };
    for (let s = 0; s < pauseS * 4; s++) {
      await sleep(250);
      await watchOnce();
    }
    sim.proc.kill('SIGCONT');
    log(`ingest-pause-1gw: publishers frozen ${pauseS} s and thawed`);
    // Every incident of the pause resolved (at most 5 min), still counting.
    const thawedMs = Date.now();
    let resolvedS = Number.NaN;
    for (let s = 0; s < 300; s++) {
      await sleep(1000);
      await watchOnce();
      const opened = await openedSince(t0);
      const open = new Set((await alerts()).open.map((i) => `${i.id}@${i.startedMs}`));
      const anyOpen = opened.some((i) => open.has(`${i.id}@${i.startedMs}`));
      if (!anyOpen && Number.isNaN(resolvedS)) resolvedS = (Date.now() - thawedMs) / 1000;
      if (anyOpen) resolvedS = Number.NaN;
      if (s >= 30 && !anyOpen) break;
    }
    const opened = await openedSince(t0);
    const firstMs = Math.min(...opened.map((i) => i.startedMs));
    const first = Number.isFinite(firstMs) ? `${((firstMs - t0) / 1000).toFixed(0)} s` : '—';
    const titles = opened.map((i) => `${i.severity} ${i.title}`).join('<br>') || '—';
    log(`ingest-pause-1gw: ${opened.length} incidents opened, at most ${maxStale} racks stale at once`);
    const resolved = Number.isFinite(resolvedS) ? `${resolvedS.toFixed(0)} s` : 'not within 5 min';
    return `| ${pauseS} s ingest pause, 1 GW site (${racks} racks; at most ${maxStale} stale at once) | ${first} | ${opened.length} | ${maxOpen} | ${titles} | ${resolved} |`;
  } finally {
    sim.proc.kill('SIGCONT');
    await sim.stop();
    await server.stop();
    await broker.stop();
  }
}
