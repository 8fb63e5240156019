/**
 * `npm run bench`: N racks at 1 Hz through a real Mosquitto into the real server process, with
 * M WebSocket clients. Prints sustained racks/s, p50/p99/max publish→WebSocket latency, lost
 * and rejected counts, server CPU and RSS. Options: --racks N --clients M --seconds S
 * --warmup S --publishers P --no-gpu.
 */
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import WebSocket from 'ws';
import { generateSite } from '../simulators/generate-site.ts';
import { entityTopic } from '../protocol/topics.ts';
import { RACK_COLUMNS, type ServerMessage } from '../protocol/stream.ts';
import { startMosquitto } from '../test/helpers/mosquitto.ts';
import { startServer } from '../test/helpers/programs.ts';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
}
const RACKS = arg('racks', 2000);
const CLIENTS = arg('clients', 10);
const SECONDS = arg('seconds', 30);
const WARMUP = arg('warmup', 8);
const PUBLISHERS = arg('publishers', 8);
const GPU = !process.argv.includes('--no-gpu');

function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

function procStat(pid: number): { cpuS: number; rssMb: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const ticks = Number(stat[11]) + Number(stat[12]);
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
  return { cpuS: ticks / 100, rssMb: rssKb / 1024 };
}

async function main(): Promise<void> {
  const rowsNeeded = Math.ceil(RACKS / 16);
  const halls = Math.ceil(rowsNeeded / 13);
  const spec = generateSite({ halls, rows: 13, racksPerRow: 16, racksPerCdu: 8, name: `bench ${RACKS} racks` });
  let extra = halls * 13 * 16 - RACKS;
  for (let h = spec.halls.length - 1; h >= 0 && extra > 0; h--) {
    const hall = spec.halls[h];
    while (extra >= 16 && hall.rows.length > 1) {
      const row = hall.rows.pop()!;
      hall.cdus = hall.cdus.filter((c) => c.rowId !== row.id);
      extra -= 16;
    }
  }
  const racks = spec.halls.flatMap((h) => h.rows.flatMap((r) => r.racks.map((k) => ({ hallId: h.id, id: k.id })))).slice(0, RACKS);
  const dir = mkdtempSync(join(tmpdir(), 'hallwatch-bench-'));
  const sitePath = join(dir, 'site.json');
  writeFileSync(sitePath, JSON.stringify(spec));

  const broker = await startMosquitto();
  const server = await startServer(['--site', sitePath, '--mqtt', broker.url]);
  const pubs: MqttClient[] = await Promise.all(
    Array.from({ length: PUBLISHERS }, (_, k) => mqtt.connectAsync(broker.url, { protocolVersion: 4, clientId: `bench-pub-${k}` })),
  );

  const tsCol = RACK_COLUMNS.indexOf('tsMs');
  let measuring = false;
  const latencies: number[] = [];
  const clientFrames = new Array(CLIENTS).fill(0);
  const sockets: WebSocket[] = [];
  for (let c = 0; c < CLIENTS; c++) {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws`);
    ws.on('message', (data) => {
      const m = JSON.parse(data.toString()) as ServerMessage;
      if (m.type !== 'delta' || !measuring) return;
      clientFrames[c]++;
      // Client 0 measures: every rack row in the delta carries the source ts set at publish.
      if (c !== 0) return;
      const now = Date.now();
      for (const ts of m.racks.cols[tsCol]) if (ts !== null) latencies.push(now - ts);
    });
    await new Promise((r) => ws.once('open', r));
    sockets.push(ws);
  }

  // Each rack publishes once per second at its own offset within the second.
  const gpu = GPU ? Array.from({ length: 72 }, (_, g) => 1100 + g) : undefined;
  let published = 0;
  let seq = 0;
  const SLOTS = 50;
  const timer = setInterval(() => {
    const slot = Math.floor((Date.now() % 1000) / (1000 / SLOTS));
    for (let i = slot; i < racks.length; i += SLOTS) {
      const r = racks[i];
      const payload = JSON.stringify({ ts: Date.now(), seq: seq++, rackKw: 120, supplyC: 40, returnC: 49, flowLpm: 182, gpuW: gpu });
      pubs[i % PUBLISHERS].publish(entityTopic('hallwatch/v1', r.hallId, 'rack', r.id, 'telemetry'), payload, { qos: 0 });
      if (measuring) published++;
    }
  }, 1000 / SLOTS);

  const metric = async (series: string) => {
    const text = await (await fetch(`${server.baseUrl}/metrics`)).text();
    return text.split('\n').filter((l) => l.startsWith(series)).reduce((s, l) => s + Number(l.split(' ')[1]), 0);
  };

  await new Promise((r) => setTimeout(r, WARMUP * 1000));
  const accepted0 = await metric('hallwatch_messages_accepted_total{kind="rack"}');
  const rejected0 = await metric('hallwatch_messages_rejected_total');
  const pid = server.proc.pid!;
  const s0 = procStat(pid);
  const t0 = Date.now();
  measuring = true;
  let rssMaxMb = s0.rssMb;
  const rssTimer = setInterval(() => (rssMaxMb = Math.max(rssMaxMb, procStat(pid).rssMb)), 1000);
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  measuring = false;
  clearInterval(timer);
  clearInterval(rssTimer);
  const elapsedS = (Date.now() - t0) / 1000;
  const s1 = procStat(pid);
  await new Promise((r) => setTimeout(r, 1500)); // let in-flight messages land
  const accepted = (await metric('hallwatch_messages_accepted_total{kind="rack"}')) - accepted0;
  const rejected = (await metric('hallwatch_messages_rejected_total')) - rejected0;
  const sorted = Float64Array.from(latencies).sort();

  const result = {
    racks: RACKS,
    clients: CLIENTS,
    seconds: Math.round(elapsedS),
    gpuDetail: GPU,
    machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`,
    publishedPerS: Math.round(published / elapsedS),
    acceptedPerS: Math.round(accepted / elapsedS),
    lost: Math.max(0, published - accepted - rejected),
    rejected,
    latencyMs: { p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), max: sorted[sorted.length - 1] ?? null, samples: sorted.length },
    deltasPerClientPerS: clientFrames.map((f) => Math.round((f / elapsedS) * 10) / 10),
    serverCpuPct: Math.round(((s1.cpuS - s0.cpuS) / elapsedS) * 100),
    serverRssMb: Math.round(s1.rssMb),
    serverRssMaxMb: Math.round(rssMaxMb),
  };
  console.log(`
Hallwatch ingest benchmark — ${result.machine}
  ${RACKS} racks at 1 Hz (${GPU ? 'with' : 'without'} 72-GPU arrays), ${CLIENTS} WebSocket clients, ${result.seconds} s after ${WARMUP} s warm-up
  sustained        ${result.acceptedPerS} racks/s accepted of ${result.publishedPerS}/s published
  lost / rejected  ${result.lost} / ${result.rejected}
  publish→WS       p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms, max ${result.latencyMs.max} ms (${result.latencyMs.samples} samples)
  server           CPU ${result.serverCpuPct} % of one core, RSS ${result.serverRssMb} MB (max ${result.serverRssMaxMb} MB)
`);
  console.log(JSON.stringify(result));

  for (const ws of sockets) ws.terminate();
  await Promise.all(pubs.map((p) => p.endAsync()));
  await server.stop();
  await broker.stop();
}

await main();
