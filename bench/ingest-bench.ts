/**
 * `npm run bench`: the pipeline as a site runs it. Debian's Mosquitto and InfluxDB 1.x started
 * here, the real server process with history (InfluxDB) and alerts on, every rack and CDU of a
 * generated site publishing once a second with realistic payloads, M WebSocket clients. Prints a
 * live line every 10 s and a summary: accepted vs published, lost, rejected, publish→WebSocket
 * latency, history produced/written per second, how far history is behind, backlog, spill and
 * drops, server CPU, RSS and event-loop lag.
 *
 *   --racks N (7400)  --clients M (10)  --seconds S (300; 30 with --live-only)  --warmup S (15)
 *   --sweep 2000,7400,10000,20000   each size in turn, one table at the end
 *   --live-only       the live path alone (no InfluxDB), the earlier benchmark
 *   --publishers P (8)  --no-gpu  --profile DIR (the server writes a .cpuprofile there at exit)
 *   --server-arg "--flag value"  extra server flags (repeatable)
 *   --encoding binary|json  how the clients take deltas (binary, as the dashboard does)
 *   --influx-nice N   run InfluxDB at this nice value (0: as started by a plain service unit);
 *                     on one shared machine, 10 lets history yield to the live path
 *   --node-arg "--flag"  extra Node flags for the server (repeatable, e.g. --trace-gc)
 *   --server-log FILE  the server's output (stdout and stderr) written there when it stops
 */
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { benchSite } from './bench-site.ts';
import { procStat, quantile, scrape, startClients, stealS, sum } from './bench-probe.ts';
import { startMosquitto } from '../test/helpers/mosquitto.ts';
import { startInfluxd } from '../test/helpers/influxd.ts';
import { startProgram, startServer } from '../test/helpers/programs.ts';

const argv = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const num = (name: string, dflt: number) => (opt(name) === undefined ? dflt : Number(opt(name)));
const LIVE_ONLY = argv.includes('--live-only');
const CLIENTS = num('clients', 10);
const SECONDS = num('seconds', LIVE_ONLY ? 30 : 300);
const WARMUP = num('warmup', 15);
const PUBLISHERS = num('publishers', 8);
const NO_GPU = argv.includes('--no-gpu');
const PROFILE = opt('profile');
const ENCODING = opt('encoding') === 'json' ? 'json' : 'binary';
const SIZES = (opt('sweep') ?? opt('racks') ?? '7400').split(',').map(Number);
/** `--influx-config "key = value"` (repeatable): extra `[data]` settings for the bench's InfluxDB. */
const INFLUX_DATA = argv.flatMap((a, i) => (a === '--influx-config' ? [argv[i + 1]] : []));
const INFLUX_NICE = num('influx-nice', 0);
const SERVER_ARGS = argv.flatMap((a, i) => (a === '--server-arg' ? argv[i + 1].split(' ') : []));
const NODE_ARGS = argv.flatMap((a, i) => (a === '--node-arg' ? argv[i + 1].split(' ') : []));
const SERVER_LOG = opt('server-log');

interface Result {
  racks: number;
  cdus: number;
  seconds: number;
  publishedPerS: number;
  acceptedPerS: number;
  lost: number;
  rejected: number;
  latencyMs: { p50: number; p99: number; max: number };
  history: null | {
    producedPerS: number;
    writtenPerS: number;
    behindS: { p99: number; max: number };
    backlog: [number, number, number];
    spilled: number;
    dropped: number;
  };
  serverCpuPct: number;
  cpuPctPer1000Racks: number;
  rssMb: [number, number, number];
  eventLoopP99Ms: number;
}

const fmt = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '—');

async function runOne(racks: number): Promise<Result> {
  const { spec, entities } = benchSite(racks);
  const cdus = entities.filter((e) => e.kind === 'cdu').length;
  const dir = mkdtempSync(join(tmpdir(), 'hallwatch-bench-'));
  const sitePath = join(dir, 'site.json');
  writeFileSync(sitePath, JSON.stringify(spec));
  const broker = await startMosquitto();
  const influx = LIVE_ONLY ? null : await startInfluxd(INFLUX_DATA, { nice: INFLUX_NICE });
  const server = await startServer(
    ['--site', sitePath, '--mqtt', broker.url, '--storage-dir', join(dir, 'storage'), ...(influx ? ['--influx', influx.url] : []), ...SERVER_ARGS],
    { nodeArgs: [...NODE_ARGS, ...(PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE}`] : [])] },
  );
  const clients = await startClients(server.port, CLIENTS, ENCODING);
  const entitiesPath = join(dir, 'entities.json');
  writeFileSync(entitiesPath, JSON.stringify(entities));
  const publisherArgs = [broker.url, entitiesPath, String(PUBLISHERS), NO_GPU ? 'no-gpu' : 'gpu'];
  const publisher = await startProgram('bench/publish-process.ts', publisherArgs, 'PUBLISHERS_READY');
  const counts = { rack: 0, cdu: 0 };
  let partial = '';
  publisher.proc.stdout!.on('data', (chunk) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop()!;
    for (const l of lines) {
      const m = /^PUBLISHED (\d+) (\d+)$/.exec(l);
      if (m) {
        counts.rack += Number(m[1]);
        counts.cdu += Number(m[2]);
      }
    }
  });
  const pubs = {
    take() {
      const c = { ...counts };
      counts.rack = counts.cdu = 0;
      return c;
    },
    stop: () => publisher.stop(),
  };
  const pid = server.proc.pid!;
  // The other processes on the same cores: which one saturates first shows here.
  const others: [string, number | undefined][] = [
    ['InfluxDB', influx?.pid()],
    ['Mosquitto', broker.pid()],
    ['publishers', publisher.proc.pid],
    ['clients', process.pid],
  ];
  const cpuOf = (p: number | undefined) => (p === undefined ? Number.NaN : procStat(p).cpuS);
  let othersLast = others.map(([, p]) => cpuOf(p));
  let stealLast = stealS();
  const historyNote = `history (InfluxDB${INFLUX_NICE ? ` at nice ${INFLUX_NICE}` : ''}) and alerts on`;
  const paths = LIVE_ONLY ? 'live path only' : historyNote;
  console.log(`\n${racks} racks + ${cdus} CDUs at 1 Hz, ${CLIENTS} clients, ${paths}; warm-up ${WARMUP} s, then ${SECONDS} s`);
  await new Promise((r) => setTimeout(r, WARMUP * 1000));

  const m0 = await scrape(server.baseUrl);
  const s0 = procStat(pid);
  pubs.take();
  clients.take();
  const t0 = Date.now();
  const latencies: number[] = [];
  let windowLatencies: number[] = [];
  const behind: number[] = [];
  const lagP99: number[] = [];
  const backlog: number[] = [sum(m0, 'hallwatch_storage_lines_buffered')];
  const rss: number[] = [s0.rssMb];
  let published = 0;
  let last = { m: m0, s: s0, t: t0, published: 0 };
  for (let tick = 1; Date.now() - t0 < SECONDS * 1000; tick++) {
    await new Promise((r) => setTimeout(r, Math.max(0, t0 + tick * 1000 - Date.now())));
    const p = pubs.take();
    published += p.rack + p.cdu;
    const c = clients.take();
    for (const l of c.latenciesMs) latencies.push(l), windowLatencies.push(l);
    if (tick % 10 !== 0 && Date.now() - t0 < SECONDS * 1000) continue;
    const m = await scrape(server.baseUrl);
    const s = procStat(pid);
    behind.push(sum(m, 'hallwatch_storage_oldest_unsent_age_seconds'));
    lagP99.push(sum(m, 'nodejs_eventloop_lag_p99_seconds') * 1000);
    backlog.push(sum(m, 'hallwatch_storage_lines_buffered'));
    rss.push(s.rssMb);
    const dt = (Date.now() - last.t) / 1000;
    const rate = (name: string) => (sum(m, name) - sum(last.m, name)) / dt;
    const elapsedS = String(Math.round((Date.now() - t0) / 1000)).padStart(4);
    const history = LIVE_ONLY
      ? ''
      : `  history queued ${fmt(rate('hallwatch_storage_lines_queued_total'))}/s written ${fmt(rate('hallwatch_storage_lines_written_total'))}/s` +
        ` backlog ${fmt(sum(m, 'hallwatch_storage_lines_buffered'))} behind ${sum(m, 'hallwatch_storage_oldest_unsent_age_seconds').toFixed(1)} s`;
    const lagMaxMs = sum(m, 'nodejs_eventloop_lag_max_seconds') * 1000;
    const wsP99Ms = quantile(Float64Array.from(windowLatencies).sort(), 0.99);
    const ageAtIngestMs = sum(m, 'hallwatch_ingest_sample_age_p99_seconds') * 1000;
    console.log(
      `  t=${elapsedS} s  published ${fmt((published - last.published) / dt)}/s  accepted ${fmt(rate('hallwatch_messages_accepted_total'))}/s` +
      history +
      `  CPU ${fmt(((s.cpuS - last.s.cpuS) / dt) * 100)} %  RSS ${fmt(s.rssMb)} MB  lag p99 ${lagP99.at(-1)!.toFixed(0)} ms (max ${fmt(lagMaxMs)})` +
      `  WS p99 ${fmt(wsP99Ms)} ms (age at ingest ${fmt(ageAtIngestMs)} ms)`,
    );
    windowLatencies = [];
    const othersNow = others.map(([, p]) => cpuOf(p));
    const stealNow = stealS();
    const otherCpu = others.map(([name], k) => `${name} ${fmt(((othersNow[k] - othersLast[k]) / dt) * 100)} %`).join('  ');
    console.log(`           other CPU: ${otherCpu}  VM steal ${fmt(((stealNow - stealLast) / dt) * 100)} %`);
    othersLast = othersNow;
    stealLast = stealNow;
    last = { m, s, t: Date.now(), published };
  }
  const elapsedS = (Date.now() - t0) / 1000;
  const s1 = procStat(pid);
  await pubs.stop();
  await new Promise((r) => setTimeout(r, 1500)); // let in-flight messages land
  const m1 = await scrape(server.baseUrl);
  const d = (name: string) => sum(m1, name) - sum(m0, name);
  const accepted = d('hallwatch_messages_accepted_total{kind="rack"}') + d('hallwatch_messages_accepted_total{kind="cdu"}');
  const rejected = d('hallwatch_messages_rejected_total');
  const sorted = Float64Array.from(latencies).sort();
  const sortedBehind = Float64Array.from(behind).sort();
  const cpuPct = ((s1.cpuS - s0.cpuS) / elapsedS) * 100;
  clients.stop();
  // A profiled server writes its profile at exit: give it time to flush history and spill first.
  const code = await server.stop(120_000);
  if (code !== 0) console.log(`  server exited with ${code}`);
  if (SERVER_LOG) appendFileSync(SERVER_LOG, `--- ${racks} racks\n${server.output()}`);
  await influx?.stop();
  await broker.stop();
  rmSync(dir, { recursive: true, force: true });
  return {
    racks, cdus,
    seconds: Math.round(elapsedS),
    publishedPerS: published / elapsedS,
    acceptedPerS: accepted / elapsedS,
    lost: Math.max(0, published - accepted - rejected),
    rejected,
    latencyMs: { p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), max: sorted.at(-1) ?? Number.NaN },
    history: LIVE_ONLY ? null : {
      producedPerS: d('hallwatch_storage_lines_queued_total') / elapsedS,
      writtenPerS: d('hallwatch_storage_lines_written_total') / elapsedS,
      behindS: { p99: quantile(sortedBehind, 0.99), max: sortedBehind.at(-1) ?? Number.NaN },
      backlog: [backlog[0], backlog[Math.floor(backlog.length / 2)], backlog.at(-1)!],
      spilled: sum(m1, 'hallwatch_storage_lines_spilled'),
      dropped: sum(m1, 'hallwatch_storage_lines_dropped_total'),
    },
    serverCpuPct: cpuPct,
    cpuPctPer1000Racks: cpuPct / (racks / 1000),
    rssMb: [rss[0], rss[Math.floor(rss.length / 2)], rss.at(-1)!],
    eventLoopP99Ms: Math.max(...lagP99),
  };
}

function table(results: Result[]): string {
  const rows = [
    ['racks (+ CDUs)', (r: Result) => `${fmt(r.racks)} (+${fmt(r.cdus)})`],
    ['accepted / published per s', (r: Result) => `${fmt(r.acceptedPerS)} / ${fmt(r.publishedPerS)}`],
    ['lost / rejected', (r: Result) => `${fmt(r.lost)} / ${fmt(r.rejected)}`],
    ['publish→WS p50 / p99 / max', (r: Result) => `${fmt(r.latencyMs.p50)} / ${fmt(r.latencyMs.p99)} / ${fmt(r.latencyMs.max)} ms`],
    ['history produced / written per s', (r: Result) => (r.history ? `${fmt(r.history.producedPerS)} / ${fmt(r.history.writtenPerS)}` : '—')],
    ['history behind p99 / max', (r: Result) => (r.history ? `${r.history.behindS.p99.toFixed(1)} / ${r.history.behindS.max.toFixed(1)} s` : '—')],
    ['backlog start / mid / end', (r: Result) => (r.history ? r.history.backlog.map(fmt).join(' / ') : '—')],
    ['spilled / dropped', (r: Result) => (r.history ? `${fmt(r.history.spilled)} / ${fmt(r.history.dropped)}` : '—')],
    ['server CPU (per 1,000 racks)', (r: Result) => `${fmt(r.serverCpuPct)} % (${r.cpuPctPer1000Racks.toFixed(1)} %)`],
    ['server RSS start / mid / end', (r: Result) => `${r.rssMb.map(fmt).join(' / ')} MB`],
    ['event-loop lag p99 (worst 10 s)', (r: Result) => `${fmt(r.eventLoopP99Ms)} ms`],
  ] as const;
  const head = `| | ${results.map((r) => `${fmt(r.racks)} racks, ${r.seconds} s`).join(' | ')} |`;
  const sep = `|---|${results.map(() => '---').join('|')}|`;
  return [head, sep, ...rows.map(([name, f]) => `| ${name} | ${results.map(f).join(' | ')} |`)].join('\n');
}

const results: Result[] = [];
for (const racks of SIZES) results.push(await runOne(racks));
const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`;
console.log(`\nHallwatch pipeline benchmark — ${machine}, ${CLIENTS} clients${NO_GPU ? ', no gpuW' : ''}\n`);
console.log(table(results));
console.log('\n' + JSON.stringify(results));
