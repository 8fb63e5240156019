/**
 * `npm run bench:pair`: the redundant pair as deployed, against one server on the same bus.
 * A three-node NATS cluster (Debian's nats-server, MQTT on every node), InfluxDB, every rack and
 * CDU of a generated site publishing once a second (QoS 0, the publishers spread over the
 * nodes), WebSocket clients on each server. Two runs of the same length, in this order:
 *
 *   one  — one server on the cluster's MQTT, no `--cluster` (history and alerts on)
 *   pair — two servers with `--cluster` (shared state, lease, notify stream), both ingesting
 *
 * Prints a line every 10 s and a table: per server accepted vs published, lost, publish→WS
 * latency, CPU, RSS, event-loop lag, history written; per NATS node CPU and RSS.
 *
 *   --racks N (7400)  --seconds S (300)  --warmup S (20)  --clients M (5 per server)
 *   --publishers P (8)  --runs one,pair (both)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchSite } from './bench-site.ts';
import { procStat, quantile, scrape, startClients, sum, type Clients } from './bench-probe.ts';
import { startNatsCluster } from '../test/helpers/nats-cluster.ts';
import { startInfluxd } from '../test/helpers/influxd.ts';
import { startProgram, startServer } from '../test/helpers/programs.ts';
import { seen, waitFor } from '../test/helpers/wait.ts';

const argv = process.argv.slice(2);
const opt = (name: string) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : undefined);
const num = (name: string, dflt: number) => (opt(name) === undefined ? dflt : Number(opt(name)));
const RACKS = num('racks', 7400);
const SECONDS = num('seconds', 300);
const WARMUP = num('warmup', 20);
const CLIENTS = num('clients', 5);
const PUBLISHERS = num('publishers', 8);
const RUNS = (opt('runs') ?? 'one,pair').split(',') as ('one' | 'pair')[];

const fmt = (n: number, digits = 0) =>
  Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '—';

interface ServerResult {
  name: string;
  acceptedPerS: number;
  lost: number;
  latencyMs: { p50: number; p99: number };
  cpuPct: number;
  rssMb: number;
  lagP99Ms: number;
  historyWrittenPerS: number;
  leader: boolean;
}

interface RunResult {
  run: 'one' | 'pair';
  seconds: number;
  publishedPerS: number;
  servers: ServerResult[];
  nats: { name: string; cpuPct: number; rssMb: number }[];
  influxCpuPct: number;
  publishersCpuPct: number;
}

async function runOnce(run: 'one' | 'pair'): Promise<RunResult> {
  const { spec, entities } = benchSite(RACKS);
  const dir = mkdtempSync(join(tmpdir(), 'hallwatch-pair-bench-'));
  const sitePath = join(dir, 'site.json');
  writeFileSync(sitePath, JSON.stringify(spec));
  const nats = await startNatsCluster(3);
  await nats.healthy(60_000);
  const influx = await startInfluxd();
  const names = run === 'pair' ? ['hallwatch-a', 'hallwatch-b'] : ['hallwatch-one'];
  const servers: Awaited<ReturnType<typeof startServer>>[] = [];
  for (const name of names) {
    const cluster = run === 'pair' ? ['--cluster', nats.natsUrls, '--server-name', name] : [];
    servers.push(await startServer([
      '--site', sitePath, '--mqtt', nats.mqttUrls, '--influx', influx.url, '--storage-dir', join(dir, name),
      '--mqtt-client-id', `${name}-ingest`, ...cluster,
    ]));
  }
  const leaderOf = async (baseUrl: string) => {
    if (run === 'one') return true;
    const body = (await (await fetch(`${baseUrl}/api/cluster`)).json()) as { serverName: string; leader: string | null };
    return body.leader === body.serverName;
  };
  if (run === 'pair') {
    await waitFor('one server of the pair leads', async () =>
      seen((await Promise.all(servers.map((s) => leaderOf(s.baseUrl)))).filter(Boolean).length, (n) => n === 1), 60_000);
  }
  const clients: Clients[] = [];
  for (const s of servers) clients.push(await startClients(s.port, CLIENTS));
  const entitiesPath = join(dir, 'entities.json');
  writeFileSync(entitiesPath, JSON.stringify(entities));
  const publisher = await startProgram('bench/publish-process.ts', [nats.mqttUrls, entitiesPath, String(PUBLISHERS), 'gpu'], 'PUBLISHERS_READY');
  let published = 0;
  let partial = '';
  publisher.proc.stdout!.on('data', (chunk) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop()!;
    for (const l of lines) {
      const m = /^PUBLISHED (\d+) (\d+)$/.exec(l);
      if (m) published += Number(m[1]) + Number(m[2]);
    }
  });
  console.log(`\n${run}: ${RACKS} racks at 1 Hz on a 3-node NATS cluster, ${names.length} server(s), ${CLIENTS} clients each; ` +
    `warm-up ${WARMUP} s, then ${SECONDS} s`);
  await new Promise((r) => setTimeout(r, WARMUP * 1000));

  const cpuOf = (pid: number | undefined) => (pid === undefined ? Number.NaN : procStat(pid).cpuS);
  const pids = {
    servers: servers.map((s) => s.proc.pid!),
    nats: nats.nodes.map((n) => n.pid()),
    influx: influx.pid(),
    publishers: publisher.proc.pid!,
  };
  const cpu0 = { servers: pids.servers.map(cpuOf), nats: pids.nats.map(cpuOf), influx: cpuOf(pids.influx), publishers: cpuOf(pids.publishers) };
  const m0 = await Promise.all(servers.map((s) => scrape(s.baseUrl)));
  clients.forEach((c) => c.take());
  published = 0;
  const latencies: number[][] = servers.map(() => []);
  const lagP99Ms = servers.map(() => 0);
  const t0 = Date.now();
  let last = { t: t0, m: m0, published: 0 };
  for (let tick = 1; Date.now() - t0 < SECONDS * 1000; tick++) {
    await new Promise((r) => setTimeout(r, Math.max(0, t0 + tick * 1000 - Date.now())));
    clients.forEach((c, i) => latencies[i].push(...c.take().latenciesMs));
    if (tick % 10 !== 0) continue;
    const m = await Promise.all(servers.map((s) => scrape(s.baseUrl)));
    const dt = (Date.now() - last.t) / 1000;
    const per = servers.map((s, i) => {
      const accepted = (sum(m[i], 'hallwatch_messages_accepted_total') - sum(last.m[i], 'hallwatch_messages_accepted_total')) / dt;
      const lagMs = sum(m[i], 'nodejs_eventloop_lag_p99_seconds') * 1000;
      lagP99Ms[i] = Math.max(lagP99Ms[i], lagMs);
      return `${names[i].replace('hallwatch-', '')} accepted ${fmt(accepted)}/s lag p99 ${fmt(lagMs)} ms RSS ${fmt(procStat(s.proc.pid!).rssMb)} MB`;
    });
    const natsCpu = pids.nats.map((p, k) => fmt(((cpuOf(p) - cpu0.nats[k]) / ((Date.now() - t0) / 1000)) * 100)).join('/');
    console.log(`  t=${String(Math.round((Date.now() - t0) / 1000)).padStart(4)} s  published ${fmt((published - last.published) / dt)}/s  ` +
      `${per.join('  ')}  NATS CPU ${natsCpu} % (mean so far)`);
    last = { t: Date.now(), m, published };
  }
  const elapsedS = (Date.now() - t0) / 1000;
  const cpu1 = { servers: pids.servers.map(cpuOf), nats: pids.nats.map(cpuOf), influx: cpuOf(pids.influx), publishers: cpuOf(pids.publishers) };
  const rss = { servers: pids.servers.map((p) => procStat(p).rssMb), nats: pids.nats.map((p) => (p === undefined ? Number.NaN : procStat(p).rssMb)) };
  const publishedTotal = published;
  await publisher.stop();
  await new Promise((r) => setTimeout(r, 1500)); // in-flight messages land
  const m1 = await Promise.all(servers.map((s) => scrape(s.baseUrl)));
  const leaders = await Promise.all(servers.map((s) => leaderOf(s.baseUrl)));
  const pct = (a: number, b: number) => ((b - a) / elapsedS) * 100;
  const result: RunResult = {
    run,
    seconds: Math.round(elapsedS),
    publishedPerS: publishedTotal / elapsedS,
    servers: servers.map((_, i) => {
      const d = (name: string) => sum(m1[i], name) - sum(m0[i], name);
      const accepted = d('hallwatch_messages_accepted_total');
      const sorted = Float64Array.from(latencies[i]).sort();
      return {
        name: names[i],
        acceptedPerS: accepted / elapsedS,
        lost: Math.max(0, publishedTotal - accepted - d('hallwatch_messages_rejected_total')),
        latencyMs: { p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99) },
        cpuPct: pct(cpu0.servers[i], cpu1.servers[i]),
        rssMb: rss.servers[i],
        lagP99Ms: lagP99Ms[i],
        historyWrittenPerS: d('hallwatch_storage_lines_written_total') / elapsedS,
        leader: leaders[i],
      };
    }),
    nats: nats.nodes.map((n, k) => ({ name: n.name, cpuPct: pct(cpu0.nats[k], cpu1.nats[k]), rssMb: rss.nats[k] })),
    influxCpuPct: pct(cpu0.influx, cpu1.influx),
    publishersCpuPct: pct(cpu0.publishers, cpu1.publishers),
  };
  clients.forEach((c) => c.stop());
  for (const s of servers) await s.stop(60_000);
  await influx.stop();
  await nats.stop();
  rmSync(dir, { recursive: true, force: true });
  return result;
}

function table(results: RunResult[]): string {
  const cols = results.flatMap((r) => r.servers.map((s) => ({ r, s })));
  const per1000 = (pct: number) => `${fmt(pct)} % (${fmt(pct / (RACKS / 1000), 1)} % per 1,000 racks)`;
  const rows: [string, (c: { r: RunResult; s: ServerResult }) => string][] = [
    ['accepted / published per s', ({ r, s }) => `${fmt(s.acceptedPerS)} / ${fmt(r.publishedPerS)}`],
    ['lost', ({ s }) => fmt(s.lost)],
    ['publish→WS p50 / p99', ({ s }) => `${fmt(s.latencyMs.p50)} / ${fmt(s.latencyMs.p99)} ms`],
    ['server CPU', ({ s }) => per1000(s.cpuPct)],
    ['server RSS at the end', ({ s }) => `${fmt(s.rssMb)} MB`],
    ['event-loop lag p99 (worst 10 s)', ({ s }) => `${fmt(s.lagP99Ms)} ms`],
    ['history lines written per s', ({ s }) => fmt(s.historyWrittenPerS)],
    ['NATS nodes CPU (sum)', ({ r }) => per1000(r.nats.reduce((a, n) => a + n.cpuPct, 0))],
    ['NATS nodes RSS', ({ r }) => r.nats.map((n) => `${fmt(n.rssMb)}`).join(' / ') + ' MB'],
    ['InfluxDB CPU / publishers CPU', ({ r }) => `${fmt(r.influxCpuPct)} % / ${fmt(r.publishersCpuPct)} %`],
  ];
  const head = `| | ${cols.map(({ r, s }) => `${r.run}: ${s.name}${r.run === 'pair' ? (s.leader ? ' (leader)' : ' (standby)') : ''}`).join(' | ')} |`;
  const sep = `|---|${cols.map(() => '---').join('|')}|`;
  return [head, sep, ...rows.map(([name, f]) => `| ${name} | ${cols.map(f).join(' | ')} |`)].join('\n');
}

const results: RunResult[] = [];
for (const run of RUNS) results.push(await runOnce(run));
const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`;
console.log(`\nHallwatch pair benchmark — ${machine}; ${fmt(RACKS)} racks, ${SECONDS} s per run\n`);
console.log(table(results));
console.log('\n' + JSON.stringify(results));
