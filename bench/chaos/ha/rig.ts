/**
 * The redundant pair on one machine, as deployed: three nats-server nodes (bus and cluster
 * state), InfluxDB, two Hallwatch servers, HAProxy in front, the simulator publishing to the
 * cluster's MQTT listeners, and a webhook receiver. Each server keeps its port and storage
 * directory across restarts, so HAProxy's configuration holds. A client of its own on the
 * cluster (`probe`) writes a probe bucket and reads the streams' leaders.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type JetStreamManager, type KV, type NatsConnection } from 'nats';
import { startNatsCluster, type NatsCluster } from '../../../test/helpers/nats-cluster.ts';
import { startInfluxd, type Influxd } from '../../../test/helpers/influxd.ts';
import { startHaproxy, type Haproxy } from '../../../test/helpers/haproxy.ts';
import { startServer, startSimulator, type Program } from '../../../test/helpers/programs.ts';
import { freePort } from '../../../test/helpers/ports.ts';
import { notYet, waitFor } from '../../../test/helpers/wait.ts';
import { Receiver } from '../../../test/helpers/webhook-receiver.ts';
import type { Server } from '../kit.ts';

export interface PairMember {
  name: string;
  port: number;
  baseUrl: string;
  running(): Server | null;
  start(env?: NodeJS.ProcessEnv): Promise<void>;
  /** kill -9 and wait for the exit. */
  crash(): Promise<void>;
  /** SIGTERM: a clean stop. */
  stop(): Promise<void>;
  signal(sig: NodeJS.Signals): void;
  /** A metric's sum over the series whose labels contain `labels`; NaN when it does not answer within `timeoutMs`. */
  metric(name: string, labels?: string, timeoutMs?: number): Promise<number>;
  /** 1 when it says it leads, 0 when not, NaN when it does not answer. */
  leader(timeoutMs?: number): Promise<number>;
  /** `/readyz` answered 200 within `timeoutMs`. */
  ready(timeoutMs?: number): Promise<boolean>;
}

export interface Probe {
  nc: NatsConnection;
  jsm: JetStreamManager;
  kv: KV;
  /** Name (n1…n3) of the node leading a stream's replicas; null when none leads or the cluster does not answer. */
  streamLeader(stream: string): Promise<string | null>;
}

export interface HaRig {
  nats: NatsCluster;
  influx: Influxd;
  pair: [PairMember, PairMember];
  haproxy: Haproxy;
  sim: Program;
  receiver: Receiver;
  probe: Probe;
  site: string;
  /** Sends a fault command to the simulator (`cdu-trip:ID`, `clear-all`). */
  fault(command: string): Promise<void>;
  /** Waits until both servers answer `/readyz` 200, exactly one leads, and HAProxy has both up. */
  whole(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

async function metricOf(baseUrl: string, name: string, labels: string, timeoutMs: number): Promise<number> {
  try {
    const text = await (await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(timeoutMs) })).text();
    let sum = 0;
    let found = false;
    for (const line of text.split('\n')) {
      if (!line.startsWith(name) || (line[name.length] !== ' ' && line[name.length] !== '{')) continue;
      if (labels && !line.slice(0, line.lastIndexOf(' ')).includes(labels)) continue;
      sum += Number(line.slice(line.lastIndexOf(' ') + 1));
      found = true;
    }
    return found ? sum : 0;
  } catch {
    return Number.NaN;
  }
}

async function pairMember(name: string, args: string[]): Promise<PairMember> {
  const port = await freePort();
  const storage = mkdtempSync(join(tmpdir(), `hallwatch-ha-${name}-`));
  let program: Server | null = null;
  const baseUrl = `http://127.0.0.1:${port}`;
  const metric = (metricName: string, labels = '', timeoutMs = 1000) => (program ? metricOf(baseUrl, metricName, labels, timeoutMs) : Promise.resolve(Number.NaN));
  return {
    name, port, baseUrl,
    running: () => program,
    async start(env = {}) {
      // Each server its own ingest client ID: the at-least-once default is one per host.
      program = await startServer([...args, '--server-name', name, '--mqtt-client-id', `${name}-ingest`, '--port', String(port), '--storage-dir', storage], {}, env);
    },
    async crash() {
      const p = program;
      program = null;
      if (!p || p.proc.exitCode !== null || p.proc.signalCode !== null) return;
      const exited = new Promise((r) => p.proc.once('exit', r));
      p.proc.kill('SIGKILL');
      await exited;
    },
    async stop() {
      const p = program;
      program = null;
      await p?.stop();
    },
    signal(sig) {
      program?.proc.kill(sig);
    },
    metric,
    leader: (timeoutMs = 1000) => metric('hallwatch_cluster_leader', '', timeoutMs),
    async ready(timeoutMs = 1000) {
      if (!program) return false;
      try {
        return (await fetch(`${baseUrl}/readyz`, { signal: AbortSignal.timeout(timeoutMs) })).status === 200;
      } catch {
        return false;
      }
    },
  };
}

async function startProbe(nats: NatsCluster): Promise<Probe> {
  const nc = await connect({ servers: nats.natsUrls.split(','), name: 'hallwatch-chaos-probe', maxReconnectAttempts: -1, reconnectTimeWait: 500 });
  const jsm = await nc.jetstreamManager();
  const kv = await nc.jetstream().views.kv('hallwatch-chaos-probe', { replicas: 3, history: 1 });
  return {
    nc, jsm, kv,
    async streamLeader(stream) {
      try {
        return (await jsm.streams.info(stream)).cluster?.leader ?? null;
      } catch {
        return null;
      }
    },
  };
}

export async function startHaRig(opts: { site?: string; serverArgs?: string[]; log?: (line: string) => void } = {}): Promise<HaRig> {
  const site = opts.site ?? 'sites/demo.json';
  const log = opts.log ?? (() => undefined);
  const nats = await startNatsCluster(3);
  const influx = await startInfluxd();
  const receiver = new Receiver(await freePort());
  await receiver.up();
  const args = [
    '--site', site, '--mqtt', nats.mqttUrls, '--cluster', nats.natsUrls, '--influx', influx.url, '--ingest-delivery', 'at-least-once',
    '--alert-webhook', `http://127.0.0.1:${receiver.port}/hook`, '--alert-allow-targets', `127.0.0.1:${receiver.port}`,
    // Every fleet client comes through HAProxy from 127.0.0.1: one address, many walls.
    '--trusted-proxies', '127.0.0.1', '--ws-max-per-address', '1000',
    ...(opts.serverArgs ?? []),
  ];
  const a = await pairMember('hallwatch-a', args);
  const b = await pairMember('hallwatch-b', args);
  await a.start();
  await b.start();
  log(`servers up on :${a.port} and :${b.port}`);
  const haproxy = await startHaproxy([{ name: a.name, host: '127.0.0.1', port: a.port }, { name: b.name, host: '127.0.0.1', port: b.port }]);
  const sim = await startSimulator(['--site', site, '--mqtt', nats.mqttUrls, '--qos', '1', '--control-port', '0']);
  const controlPort = Number(/control=(\d+)/.exec(sim.readyLine)![1]);
  const probe = await startProbe(nats);
  const pair: [PairMember, PairMember] = [a, b];
  return {
    nats, influx, pair, haproxy, sim, receiver, probe, site,
    async fault(command) {
      const res = await fetch(`http://127.0.0.1:${controlPort}/faults`, { method: 'POST', body: command });
      if (!res.ok) throw new Error(`fault "${command}": ${res.status} ${await res.text()}`);
    },
    async whole(timeoutMs = 90_000) {
      await waitFor('the pair whole (both ready, one leader, both up in HAProxy)', async () => {
        const ready = await Promise.all(pair.map((m) => m.ready()));
        const leaders = await Promise.all(pair.map((m) => m.leader()));
        const states = await haproxy.states().catch(() => ({} as Record<string, string>));
        const up = pair.every((m) => states[m.name]?.startsWith('UP'));
        const ok = ready.every(Boolean) && leaders.filter((l) => l === 1).length === 1 && leaders.every((l) => l === 0 || l === 1) && up;
        return ok || notYet({ ready, leaders, states });
      }, timeoutMs, 250);
    },
    async stop() {
      await probe.nc.close().catch(() => undefined);
      await sim.stop();
      await haproxy.stop();
      await Promise.all([a.stop(), b.stop()]);
      await receiver.down();
      await influx.stop();
      await nats.stop();
    },
  };
}
