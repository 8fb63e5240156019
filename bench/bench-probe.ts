/** What the benchmark reads off the server process: /metrics, /proc CPU and RSS, WebSocket latency. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startProgram, type Program } from '../test/helpers/programs.ts';
import WebSocket from 'ws';
import { RACK_COL, type ServerMessage } from '../protocol/stream.ts';
import { decodeDeltaFrame, type StreamEncoding } from '../protocol/stream-binary.ts';

/** Every series of a scrape, `name{labels}` → value. */
export async function scrape(baseUrl: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const sp = line.lastIndexOf(' ');
    out.set(line.slice(0, sp), Number(line.slice(sp + 1)));
  }
  return out;
}

/** Sum of every series whose key starts with `prefix` (a family, or one labelled series). */
export function sum(m: Map<string, number>, prefix: string): number {
  let s = 0;
  for (const [k, v] of m) if (k === prefix || k.startsWith(prefix + '{')) s += v;
  return s;
}

export function procStat(pid: number): { cpuS: number; rssMb: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const ticks = Number(stat[11]) + Number(stat[12]);
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
  return { cpuS: ticks / 100, rssMb: rssKb / 1024 };
}

/** CPU time the hypervisor gave to others while this machine's vCPUs wanted it (steal), s, all CPUs. */
export function stealS(): number {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  return Number(cpu[8] ?? 0) / 100;
}

export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

export interface Clients {
  /** Latencies (ms) of rack rows seen by client 0 since the last call; deltas per client. */
  take(): { latenciesMs: number[]; frames: number[] };
  stop(): void;
}

/**
 * M WebSocket clients; client 0 parses every frame and measures publish → WebSocket latency from each delta row's
 * source `ts` (set at publish time on the same clock).
 */
export async function startClients(port: number, count: number, encoding: StreamEncoding = 'binary'): Promise<Clients> {
  const tsCol = RACK_COL.tsMs;
  let latencies: number[] = [];
  const frames = new Array(count).fill(0);
  const sockets: WebSocket[] = [];
  const lastTs = new Map<number, number>();
  for (let c = 0; c < count; c++) {
    // Binary deltas, as the dashboard asks for them (`json` measures the text encoding).
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?encoding=${encoding}`);
    ws.on('message', (data, isBinary) => {
      // Clients 1…M−1 stand for browsers on other machines: they receive every frame but do not
      // parse it here, where they would share the measuring client's event loop.
      if (c !== 0) return void frames[c]++;
      const m = isBinary ? decodeDeltaFrame(data as Buffer) : (JSON.parse(data.toString()) as ServerMessage);
      if (m.type !== 'delta' && m.type !== 'snapshot') return;
      if (m.type === 'delta') frames[c]++;
      // A row is in a delta when anything of it changed (a refresh can re-derive headroom or mark it
      // stale): only a row with a new sample time is a publish→WebSocket latency.
      const now = Date.now();
      const tsOf = m.racks.cols[tsCol];
      for (let k = 0; k < m.racks.idx.length; k++) {
        const rack = m.racks.idx[k];
        const ts = tsOf[k];
        if (ts === null || Number.isNaN(ts) || lastTs.get(rack) === ts) continue;
        lastTs.set(rack, ts);
        // The snapshot (and a reconnect's) says what the client has: only a newer time is a sample.
        if (m.type === 'delta') latencies.push(now - ts);
      }
    });
    await new Promise((r) => ws.once('open', r));
    sockets.push(ws);
  }
  return {
    take() {
      const out = { latenciesMs: latencies, frames: [...frames] };
      latencies = [];
      frames.fill(0);
      return out;
    },
    stop() {
      for (const ws of sockets) ws.terminate();
    },
  };
}

/**
 * The publishers (bench/publish-process.ts) in a process of their own, publishing `entities` to
 * `brokerUrl`; `published()` is every message they counted so far (racks and CDUs).
 */
export async function startPublisherProcess(brokerUrl: string, entities: unknown[], dir: string, publishers: number): Promise<{ program: Program; published(): number }> {
  const entitiesPath = join(dir, 'entities.json');
  writeFileSync(entitiesPath, JSON.stringify(entities));
  const program = await startProgram('bench/publish-process.ts', [brokerUrl, entitiesPath, String(publishers), 'gpu'], 'PUBLISHERS_READY');
  let published = 0;
  let partial = '';
  program.proc.stdout!.on('data', (chunk) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop()!;
    for (const m of lines.map((l) => /^PUBLISHED (\d+) (\d+)$/.exec(l))) if (m) published += Number(m[1]) + Number(m[2]);
  });
  return { program, published: () => published };
}
