/** Shared parts of the chaos scenarios: the real stack, /metrics figures, process RSS, samples. */
import { randomBytes } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import { connectMqttAsync } from '../../simulators/mqtt-client.ts';
import { procStat, scrape, sum } from '../bench-probe.ts';
import { startMosquitto, type Mosquitto, type MosquittoOptions } from '../../test/helpers/mosquitto.ts';
import { startInfluxd, type Influxd } from '../../test/helpers/influxd.ts';
import { startServer, startSimulator, type Program } from '../../test/helpers/programs.ts';
import { seen, waitFor } from '../../test/helpers/wait.ts';

export type Server = Awaited<ReturnType<typeof startServer>>;

export interface Stack {
  mosquitto: Mosquitto;
  influx: Influxd | null;
  server: Server;
  simulator: Program | null;
  stop(): Promise<void>;
}

export interface StackOptions {
  influx?: boolean;
  /** Run the real simulator on the demo site (416 racks, 1 Hz). */
  simulator?: boolean;
  serverArgs?: string[];
  /** Node flags for the server, after the ones it always runs with. */
  serverNodeArgs?: string[];
  mosquitto?: MosquittoOptions;
}

/** Debian's Mosquitto, optionally InfluxDB and the simulator, and the server on the demo site. */
export async function startStack(o: StackOptions = {}): Promise<Stack> {
  const mosquitto = await startMosquitto(o.mosquitto);
  const influx = o.influx ? await startInfluxd() : null;
  const influxArgs = influx ? ['--influx', influx.url] : [];
  const server = await startServer(['--site', 'sites/demo.json', '--mqtt', mosquitto.url, ...influxArgs, ...(o.serverArgs ?? [])], {
    nodeArgs: o.serverNodeArgs,
  });
  const simulator = o.simulator ? await startSimulator(['--site', 'sites/demo.json', '--mqtt', mosquitto.url]) : null;
  return {
    mosquitto, influx, server, simulator,
    async stop() {
      await simulator?.stop();
      await server.stop();
      await influx?.stop();
      await mosquitto.stop();
    },
  };
}

/** Sum of a metric's series (all labels, or those whose label text contains `labels`). */
export async function metric(baseUrl: string, name: string, labels = ''): Promise<number> {
  const m = await scrape(baseUrl);
  if (!labels) return sum(m, name);
  let s = 0;
  for (const [k, v] of m) if (k.startsWith(name + '{') && k.includes(labels)) s += v;
  return s;
}

export async function rejectedBy(baseUrl: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [k, v] of await scrape(baseUrl)) {
    const r = /^hallwatch_messages_rejected_total\{reason="([^"]+)"\}$/.exec(k);
    if (r && v > 0) out[r[1]] = v;
  }
  return out;
}

export function rssMb(pid: number): number {
  return procStat(pid).rssMb;
}

export function cpuS(pid: number): number {
  return procStat(pid).cpuS;
}

/** A valid rack sample at `tsMs`. */
export function rackSample(tsMs: number, rackKw = 100): Record<string, number> {
  return { ts: tsMs, rackKw, supplyC: 40, returnC: 40 + rackKw / 20, flowLpm: 180 };
}

/** A publisher on `url` that does not reconnect: a scenario sees a dropped connection as it is. */
export async function connectClient(url: string, clientId = `chaos-${randomBytes(4).toString('hex')}`): Promise<MqttClient> {
  return connectMqttAsync({ urls: url, clientId, reconnectPeriodMs: 0 });
}

/** Waits until history has nothing left to write. */
export async function historyDrained(baseUrl: string, timeoutMs = 30_000): Promise<void> {
  // Samples accepted until now are in raw blocks that are written within one block window (10 s) and a second.
  await new Promise((r) => setTimeout(r, 12_000));
  await waitFor('history to be written', async () => seen(await metric(baseUrl, 'hallwatch_storage_lines_buffered'), (v) => v === 0), timeoutMs, 250);
}

/** Accepted rack samples per second over `ms`. */
export async function acceptedRate(baseUrl: string, ms: number): Promise<number> {
  const a = await metric(baseUrl, 'hallwatch_messages_accepted_total', 'kind="rack"');
  const t0 = Date.now();
  await new Promise((r) => setTimeout(r, ms));
  const b = await metric(baseUrl, 'hallwatch_messages_accepted_total', 'kind="rack"');
  return (b - a) / ((Date.now() - t0) / 1000);
}

export const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
