/**
 * `npm run bench:history-format`: what the raw tier's format costs (`--history-raw-format`).
 * The pipeline as deployed — Debian's Mosquitto and InfluxDB 1.x started here, the real server
 * with history and alerts on, every rack and CDU of a generated site publishing once a second
 * (bench-site.ts) — run once with `blocks` and once with `points`, back to back, each on a fresh
 * InfluxDB. Prints a line every 10 s, then per format: InfluxDB CPU and RSS (/proc of the
 * influxd started here), server CPU, lines written a second, write retries, drops and lost
 * messages, and the same per 1,000 racks.
 *
 *   --racks N (2000)  --seconds S (60)  --warmup S (15)  --publishers P (8)
 *   --formats blocks,points   which formats, in that order
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchSite } from './bench-site.ts';
import { procStat, scrape, startPublisherProcess, sum } from './bench-probe.ts';
import { startMosquitto } from '../test/helpers/mosquitto.ts';
import { startInfluxd } from '../test/helpers/influxd.ts';
import { startServer } from '../test/helpers/programs.ts';

const argv = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const num = (name: string, dflt: number) => (opt(name) === undefined ? dflt : Number(opt(name)));
const RACKS = num('racks', 2000);
const SECONDS = num('seconds', 60);
const WARMUP = num('warmup', 15);
const PUBLISHERS = num('publishers', 8);
const FORMATS = (opt('formats') ?? 'blocks,points').split(',');

interface Result {
  format: string;
  racks: number;
  cdus: number;
  seconds: number;
  acceptedPerS: number;
  lost: number;
  influxCpuPct: number;
  influxRssMb: { end: number; max: number };
  serverCpuPct: number;
  serverRssMb: number;
  linesPerS: { queued: number; written: number };
  requests: { ok: number; failed: number };
  retries: number;
  deadLettered: number;
  dropped: number;
  spilled: number;
  behindMaxS: number;
}

const fmt = (n: number, digits = 0) =>
  (Number.isFinite(n) ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '—');

async function runOne(format: string): Promise<Result> {
  const { spec, entities } = benchSite(RACKS);
  const cdus = entities.filter((e) => e.kind === 'cdu').length;
  const dir = mkdtempSync(join(tmpdir(), 'hallwatch-bench-format-'));
  const sitePath = join(dir, 'site.json');
  writeFileSync(sitePath, JSON.stringify(spec));
  const broker = await startMosquitto();
  const influx = await startInfluxd();
  const server = await startServer([
    '--site', sitePath, '--mqtt', broker.url, '--storage-dir', join(dir, 'storage'), '--influx', influx.url, '--history-raw-format', format,
  ]);
  const pub = await startPublisherProcess(broker.url, entities, dir, PUBLISHERS);
  const publisher = pub.program;
  const influxPid = influx.pid()!;
  const serverPid = server.proc.pid!;
  console.log(`\n[${format}] ${RACKS} racks + ${cdus} CDUs at 1 Hz, history and alerts on; warm-up ${WARMUP} s, then ${SECONDS} s`);
  await new Promise((r) => setTimeout(r, WARMUP * 1000));

  const m0 = await scrape(server.baseUrl);
  const i0 = procStat(influxPid);
  const s0 = procStat(serverPid);
  const published0 = pub.published();
  const t0 = Date.now();
  let last = { m: m0, i: i0, s: s0, t: t0 };
  let influxRssMax = i0.rssMb;
  let behindMaxS = 0;
  for (let tick = 1; Date.now() - t0 < SECONDS * 1000; tick++) {
    await new Promise((r) => setTimeout(r, Math.max(0, t0 + tick * 1000 - Date.now())));
    if (tick % 10 !== 0 && Date.now() - t0 < SECONDS * 1000) continue;
    const m = await scrape(server.baseUrl);
    const i = procStat(influxPid);
    const s = procStat(serverPid);
    influxRssMax = Math.max(influxRssMax, i.rssMb);
    const behindS = sum(m, 'hallwatch_storage_oldest_unsent_age_seconds');
    behindMaxS = Math.max(behindMaxS, behindS);
    const dt = (Date.now() - last.t) / 1000;
    const rate = (name: string) => (sum(m, name) - sum(last.m, name)) / dt;
    console.log(
      `  [${format}] t=${String(Math.round((Date.now() - t0) / 1000)).padStart(3)} s  accepted ${fmt(rate('hallwatch_messages_accepted_total'))}/s` +
      `  lines written ${fmt(rate('hallwatch_storage_lines_written_total'))}/s  backlog ${fmt(sum(m, 'hallwatch_storage_lines_buffered'))}` +
      `  behind ${behindS.toFixed(1)} s  InfluxDB CPU ${fmt(((i.cpuS - last.i.cpuS) / dt) * 100)} % RSS ${fmt(i.rssMb)} MB` +
      `  server CPU ${fmt(((s.cpuS - last.s.cpuS) / dt) * 100)} % RSS ${fmt(s.rssMb)} MB`,
    );
    last = { m, i, s, t: Date.now() };
  }
  const elapsedS = (Date.now() - t0) / 1000;
  const i1 = procStat(influxPid);
  const s1 = procStat(serverPid);
  const m1 = await scrape(server.baseUrl);
  await publisher.stop();
  await new Promise((r) => setTimeout(r, 1500)); // let in-flight messages land
  const m2 = await scrape(server.baseUrl);
  const d = (name: string, m = m1) => sum(m, name) - sum(m0, name);
  const accepted = d('hallwatch_messages_accepted_total', m2);
  const rejected = d('hallwatch_messages_rejected_total', m2);
  await server.stop(60_000);
  await influx.stop();
  await broker.stop();
  rmSync(dir, { recursive: true, force: true });
  const writtenLines = d('hallwatch_storage_lines_written_total');
  return {
    format, racks: RACKS, cdus,
    seconds: Math.round(elapsedS),
    acceptedPerS: d('hallwatch_messages_accepted_total') / elapsedS,
    lost: Math.max(0, pub.published() - published0 - accepted - rejected),
    influxCpuPct: ((i1.cpuS - i0.cpuS) / elapsedS) * 100,
    influxRssMb: { end: i1.rssMb, max: Math.max(influxRssMax, i1.rssMb) },
    serverCpuPct: ((s1.cpuS - s0.cpuS) / elapsedS) * 100,
    serverRssMb: s1.rssMb,
    linesPerS: { queued: d('hallwatch_storage_lines_queued_total') / elapsedS, written: writtenLines / elapsedS },
    requests: {
      ok: d('hallwatch_storage_write_requests_total{outcome="ok"}'),
      failed: d('hallwatch_storage_write_requests_total') - d('hallwatch_storage_write_requests_total{outcome="ok"}'),
    },
    retries: d('hallwatch_storage_write_retries_total'),
    deadLettered: d('hallwatch_storage_lines_dead_lettered_total'),
    dropped: d('hallwatch_storage_lines_dropped_total'),
    spilled: sum(m1, 'hallwatch_storage_lines_spilled'),
    behindMaxS,
  };
}

function table(results: Result[]): string {
  const per1000 = (r: Result, v: number, digits = 1) => `${fmt(v, digits)} (${fmt(v / (r.racks / 1000), digits)})`;
  const rows: [string, (r: Result) => string][] = [
    ['racks (+ CDUs)', (r) => `${fmt(r.racks)} (+${fmt(r.cdus)})`],
    ['accepted per s / lost', (r) => `${fmt(r.acceptedPerS)} / ${fmt(r.lost)}`],
    ['**InfluxDB CPU %** (per 1,000 racks)', (r) => per1000(r, r.influxCpuPct)],
    ['InfluxDB RSS end / max, MB', (r) => `${fmt(r.influxRssMb.end)} / ${fmt(r.influxRssMb.max)}`],
    ['server CPU % (per 1,000 racks)', (r) => per1000(r, r.serverCpuPct)],
    ['server RSS end, MB', (r) => fmt(r.serverRssMb)],
    ['lines written per s (per 1,000 racks)', (r) => per1000(r, r.linesPerS.written, 0)],
    ['lines queued per s', (r) => fmt(r.linesPerS.queued)],
    ['write requests ok / failed, retries', (r) => `${fmt(r.requests.ok)} / ${fmt(r.requests.failed)}, ${fmt(r.retries)}`],
    ['lines dead-lettered / dropped / spilled', (r) => `${fmt(r.deadLettered)} / ${fmt(r.dropped)} / ${fmt(r.spilled)}`],
    ['history behind, max', (r) => `${r.behindMaxS.toFixed(1)} s`],
  ];
  const head = `| | ${results.map((r) => `\`${r.format}\`, ${r.seconds} s`).join(' | ')} |`;
  const sep = `|---|${results.map(() => '---').join('|')}|`;
  return [head, sep, ...rows.map(([name, f]) => `| ${name} | ${results.map(f).join(' | ')} |`)].join('\n');
}

const results: Result[] = [];
for (const format of FORMATS) results.push(await runOne(format));
const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`;
console.log(`\nHistory raw format benchmark — ${machine}\n`);
console.log(table(results));
console.log('\n' + JSON.stringify(results));
