/**
 * The redundant pair on one machine, as deployed: three nats-server nodes (bus and cluster
 * state), InfluxDB, two Hallwatch servers, HAProxy in front, the simulator publishing to the
 * cluster's MQTT listeners, and a webhook receiver. Each server keeps its port and storage
 * directory across restarts, so HAProxy's configuration holds.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNatsCluster, type NatsCluster } from '../../../test/helpers/nats-cluster.ts';
import { startInfluxd, type Influxd } from '../../../test/helpers/influxd.ts';
import { startHaproxy, type Haproxy } from '../../../test/helpers/haproxy.ts';
import { startServer, startSimulator, type Program } from '../../../test/helpers/programs.ts';
import { freePort } from '../../../test/helpers/ports.ts';
import { Receiver } from '../../../test/helpers/webhook-receiver.ts';
import { metric, type Server } from '../kit.ts';

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
  /** 1 when it says it leads, 0 when not, NaN when it does not answer. */
  leader(): Promise<number>;
}

export interface HaRig {
  nats: NatsCluster;
  influx: Influxd;
  pair: [PairMember, PairMember];
  haproxy: Haproxy;
  sim: Program;
  receiver: Receiver;
  site: string;
  /** Sends a fault command to the simulator (`cdu-trip:ID`, `clear-all`). */
  fault(command: string): Promise<void>;
  stop(): Promise<void>;
}

async function pairMember(name: string, args: string[]): Promise<PairMember> {
  const port = await freePort();
  const storage = mkdtempSync(join(tmpdir(), `hallwatch-ha-${name}-`));
  let program: Server | null = null;
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    name, port, baseUrl,
    running: () => program,
    async start(env = {}) {
      program = await startServer([...args, '--server-name', name, '--port', String(port), '--storage-dir', storage], {}, env);
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
    async leader() {
      if (!program) return Number.NaN;
      try {
        return await metric(baseUrl, 'hallwatch_cluster_leader');
      } catch {
        return Number.NaN;
      }
    },
  };
}

export async function startHaRig(opts: { site?: string; serverArgs?: string[] } = {}): Promise<HaRig> {
  const site = opts.site ?? 'sites/demo.json';
  const nats = await startNatsCluster(3);
  const influx = await startInfluxd();
  const receiver = new Receiver(await freePort());
  await receiver.up();
  const args = [
    '--site', site, '--mqtt', nats.mqttUrls, '--cluster', nats.natsUrls, '--influx', influx.url, '--ingest-delivery', 'at-least-once',
    '--alert-webhook', `http://127.0.0.1:${receiver.port}/hook`, '--alert-allow-targets', `127.0.0.1:${receiver.port}`,
    ...(opts.serverArgs ?? []),
  ];
  const a = await pairMember('hallwatch-a', args);
  const b = await pairMember('hallwatch-b', args);
  await a.start();
  await b.start();
  const haproxy = await startHaproxy([{ name: a.name, host: '127.0.0.1', port: a.port }, { name: b.name, host: '127.0.0.1', port: b.port }]);
  const sim = await startSimulator(['--site', site, '--mqtt', nats.mqttUrls, '--qos', '1', '--control-port', '0']);
  const controlPort = Number(/control=(\d+)/.exec(sim.readyLine)![1]);
  return {
    nats, influx, pair: [a, b], haproxy, sim, receiver, site,
    async fault(command) {
      const res = await fetch(`http://127.0.0.1:${controlPort}/faults`, { method: 'POST', body: command });
      if (!res.ok) throw new Error(`fault "${command}": ${res.status} ${await res.text()}`);
    },
    async stop() {
      await sim.stop();
      await haproxy.stop();
      await Promise.all([a.stop(), b.stop()]);
      await receiver.down();
      await influx.stop();
      await nats.stop();
    },
  };
}
