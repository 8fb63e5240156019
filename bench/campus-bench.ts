/**
 * `npm run bench:campus`: a campus split into hall shards, as deployed. Debian's Mosquitto carries
 * the raw telemetry, a NATS node (nats-server, JetStream) the shards' derived state, N real shard
 * servers (`--halls`, alerts on; with history each writes its own database of one InfluxDB) and
 * one real campus view (`--campus`) with M WebSocket clients. Every rack and CDU publishes once a
 * second. Prints a line every 10 s and a table: per process CPU and RSS, publish→campus-browser
 * latency (each rack row's source time against its arrival at the campus client), messages lost.
 *
 *   --racks N (20000)  --shards K (4)  --clients M (5)  --seconds S (120)  --warmup S (20)
 *   --history on|off|both (both: without, then with)  --publishers P (8)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchSite } from './bench-site.ts';
import { procStat, quantile, scrape, startClients, startPublisherProcess, sum } from './bench-probe.ts';
import { startMosquitto } from '../test/helpers/mosquitto.ts';
import { startInfluxd } from '../test/helpers/influxd.ts';
import { startNatsCluster } from '../test/helpers/nats-cluster.ts';
import { startServer } from '../test/helpers/programs.ts';

const argv = process.argv.slice(2);
const opt = (name: string) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : undefined);
const num = (name: string, dflt: number) => Number(opt(name) ?? dflt);
const RACKS = num('racks', 20_000);
const SHARDS = num('shards', 4);
const CLIENTS = num('clients', 5);
const SECONDS = num('seconds', 120);
const WARMUP = num('warmup', 20);
const PUBLISHERS = num('publishers', 8);
const HISTORY = opt('history') ?? 'both';
const fmt = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '—');

interface Row {
  history: boolean;
  seconds: number;
  publishedPerS: number;
  lost: number;
  rejected: number;
  latencyMs: { p50: number; p99: number; max: number };
  cpuPct: Record<string, number>;
  rssMb: Record<string, number>;
  campusRowsPerS: number;
  historyBehindS: number;
  /** Bytes into nats-server per second (the shards' derived state and beats, the campus view's requests). */
  natsInBytesPerS: number;
}

async function natsInBytes(monitorUrl: string): Promise<number> {
  return ((await (await fetch(`${monitorUrl}/varz`)).json()) as { in_bytes: number }).in_bytes;
}

async function runOne(history: boolean): Promise<Row> {
  const { spec, entities } = benchSite(RACKS);
  const dir = mkdtempSync(join(tmpdir(), 'hallwatch-campus-bench-'));
  const sitePath = join(dir, 'site.json');
  writeFileSync(sitePath, JSON.stringify(spec));
  const hallIds = spec.halls.map((h) => h.id);
  const groups = Array.from({ length: SHARDS }, (_, k) => hallIds.filter((_, i) => Math.floor((i * SHARDS) / hallIds.length) === k));
  const broker = await startMosquitto();
  const nats = await startNatsCluster(1);
  const influx = history ? await startInfluxd() : null;
  const shards: Awaited<ReturnType<typeof startServer>>[] = [];
  for (const [k, halls] of groups.entries()) {
    const db = influx ? ['--influx', influx.url, '--influx-db', `hallwatch_shard${k + 1}`] : [];
    shards.push(await startServer(['--site', sitePath, '--mqtt', broker.url, '--cluster', nats.natsUrls, '--halls', halls.join(','),
      '--server-name', `shard-${k + 1}`, '--storage-dir', join(dir, `shard-${k + 1}`), ...db]));
  }
  const campus = await startServer(['--site', sitePath, '--cluster', nats.natsUrls, '--campus', '1', '--server-name', 'campus', '--storage-dir', join(dir, 'campus')]);
  const clients = await startClients(campus.port, CLIENTS, 'binary');
  const pub = await startPublisherProcess(broker.url, entities, dir, PUBLISHERS);
  const publisher = pub.program;
  const procs: [string, number | undefined][] = [
    ...shards.map((s, k): [string, number | undefined] => [`shard ${k + 1}`, s.proc.pid]), ['campus view', campus.proc.pid],
    ['nats-server', nats.nodes[0].pid()], ['Mosquitto', broker.pid()], ...(influx ? [['InfluxDB', influx.pid()] as [string, number | undefined]] : []),
    ['publishers', publisher.proc.pid], ['campus clients', process.pid],
  ];
  const cpuNow = () => procs.map(([, p]) => (p === undefined ? Number.NaN : procStat(p).cpuS));
  console.log(`\n${fmt(RACKS)} racks in ${spec.halls.length} halls, ${SHARDS} shards, ${history ? 'history (one InfluxDB, a database per shard)' : 'no history'}, alerts on; ` +
    `warm-up ${WARMUP} s, then ${SECONDS} s`);
  await new Promise((r) => setTimeout(r, WARMUP * 1000));
  const accepted = async () => (await Promise.all(shards.map((s) => scrape(s.baseUrl)))).reduce((n, m) => n + sum(m, 'hallwatch_messages_accepted_total'), 0);
  const rejectedNow = async () => (await Promise.all(shards.map((s) => scrape(s.baseUrl)))).reduce((n, m) => n + sum(m, 'hallwatch_messages_rejected_total'), 0);
  const a0 = await accepted();
  const r0 = await rejectedNow();
  const rows0 = sum(await scrape(campus.baseUrl), 'hallwatch_campus_rows_total');
  const c0 = cpuNow();
  const n0 = await natsInBytes(nats.nodes[0].monitorUrl);
  const p0 = pub.published();
  clients.take();
  const t0 = Date.now();
  const latencies: number[] = [];
  const behind: number[] = [];
  let last = { t: t0, cpu: c0, published: p0 };
  while (Date.now() - t0 < SECONDS * 1000) {
    await new Promise((r) => setTimeout(r, 10_000));
    for (const l of clients.take().latenciesMs) latencies.push(l);
    const cpu = cpuNow();
    const dt = (Date.now() - last.t) / 1000;
    const line = procs.map(([name], k) => `${name} ${fmt(((cpu[k] - last.cpu[k]) / dt) * 100)} %`).join('  ');
    const shardMetrics = await Promise.all(shards.map((s) => scrape(s.baseUrl)));
    behind.push(Math.max(...shardMetrics.map((m) => sum(m, 'hallwatch_storage_oldest_unsent_age_seconds'))));
    const sorted = Float64Array.from(latencies).sort();
    console.log(`  t=${String(Math.round((Date.now() - t0) / 1000)).padStart(4)} s  published ${fmt((pub.published() - last.published) / dt)}/s  ` +
      `campus p99 ${fmt(quantile(sorted, 0.99))} ms  history behind ${behind.at(-1)!.toFixed(1)} s\n           CPU: ${line}`);
    last = { t: Date.now(), cpu, published: pub.published() };
  }
  const elapsedS = (Date.now() - t0) / 1000;
  const c1 = cpuNow();
  const natsBytes = (await natsInBytes(nats.nodes[0].monitorUrl)) - n0;
  const rss = Object.fromEntries(procs.map(([name, p]) => [name, p === undefined ? Number.NaN : procStat(p).rssMb]));
  await publisher.stop();
  await new Promise((r) => setTimeout(r, 1500)); // in-flight messages land
  const acceptedN = (await accepted()) - a0;
  const rejected = (await rejectedNow()) - r0;
  const rows = sum(await scrape(campus.baseUrl), 'hallwatch_campus_rows_total') - rows0;
  clients.stop();
  await Promise.all([campus.stop(), ...shards.map((s) => s.stop(60_000))]);
  await influx?.stop();
  await nats.stop();
  await broker.stop();
  rmSync(dir, { recursive: true, force: true });
  const sorted = Float64Array.from(latencies).sort();
  return {
    history, seconds: Math.round(elapsedS), publishedPerS: (pub.published() - p0) / elapsedS, lost: Math.max(0, pub.published() - p0 - acceptedN - rejected), rejected,
    latencyMs: { p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), max: sorted.at(-1) ?? Number.NaN },
    cpuPct: Object.fromEntries(procs.map(([name], k) => [name, ((c1[k] - c0[k]) / elapsedS) * 100])), rssMb: rss,
    campusRowsPerS: rows / elapsedS, historyBehindS: Math.max(0, ...behind), natsInBytesPerS: natsBytes / elapsedS,
  };
}

const results: Row[] = [];
for (const h of HISTORY === 'both' ? [false, true] : [HISTORY === 'on']) results.push(await runOne(h));
const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`;
console.log(`\nHallwatch campus benchmark — ${fmt(RACKS)} racks, ${SHARDS} shards + campus view, ${CLIENTS} campus clients; ${machine}\n`);
const names = Object.keys(results[0].cpuPct);
const col = (f: (r: Row) => string) => results.map(f).join(' | ');
console.log(`| | ${col((r) => (r.history ? 'with history' : 'without history'))} |`);
console.log(`|---|${results.map(() => '---').join('|')}|`);
console.log(`| published per s | ${col((r) => fmt(r.publishedPerS))} |`);
console.log(`| lost / rejected | ${col((r) => `${fmt(r.lost)} (${((r.lost / (r.publishedPerS * r.seconds)) * 100).toFixed(1)} %) / ${fmt(r.rejected)}`)} |`);
console.log(`| publish→campus client p50 / p99 / max | ${col((r) => `${fmt(r.latencyMs.p50)} / ${fmt(r.latencyMs.p99)} / ${fmt(r.latencyMs.max)} ms`)} |`);
console.log(`| campus rows taken per s | ${col((r) => fmt(r.campusRowsPerS))} |`);
console.log(`| into NATS per s (per 1,000 racks) | ${col((r) => `${(r.natsInBytesPerS / 1e6).toFixed(1)} MB (${(r.natsInBytesPerS / 1e3 / (RACKS / 1000)).toFixed(0)} kB)`)} |`);
console.log(`| history behind (worst) | ${col((r) => (r.history ? `${r.historyBehindS.toFixed(1)} s` : '—'))} |`);
for (const n of names) console.log(`| ${n}: CPU % / RSS MB | ${col((r) => (Number.isFinite(r.cpuPct[n]) ? `${fmt(r.cpuPct[n])} % / ${fmt(r.rssMb[n])} MB` : '—'))} |`);
console.log('\n' + JSON.stringify(results));
