/**
 * A real NATS cluster (Debian's nats-server 2.9) of one or three nodes on free loopback ports:
 * JetStream and the MQTT listener on every node, routes between them, data in a temp dir. Each
 * node is stopped, killed (-9), frozen and restarted by its own PID.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.ts';
import { notYet, waitFor } from './wait.ts';
import { onFreePorts, serviceProcess, type ServiceProcess } from './service-process.ts';
import { natsNodeConfig } from '../../server/cluster/nats-node-config.ts';

export interface NatsNode extends ServiceProcess {
  name: string;
  /** nats://127.0.0.1:port */
  natsUrl: string;
  /** mqtt://127.0.0.1:port */
  mqttUrl: string;
  monitorUrl: string;
}

export interface NatsCluster {
  nodes: NatsNode[];
  /** Every node's client URL, comma-separated (`--cluster`). */
  natsUrls: string;
  /** Every node's MQTT URL, comma-separated (`--mqtt`). */
  mqttUrls: string;
  /** Waits until every running node reports JetStream healthy: meta, every stream and every consumer current. */
  healthy(timeoutMs?: number): Promise<void>;
  /**
   * Waits until every running node is current with the JetStream meta leader. After two nodes
   * were killed (-9) at once, nats-server 2.9 can take minutes to bring the MQTT bridge's own
   * consumers current on a returning node, so a test that only needs the node back waits for this.
   */
  rejoined(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

function binary(): string {
  for (const p of ['/usr/sbin/nats-server', '/usr/bin/nats-server']) if (existsSync(p)) return p;
  throw new Error('nats-server not installed: run `npm test` (it installs it with apt-get)');
}

async function nodeHealthy(monitorUrl: string, query = ''): Promise<true | ReturnType<typeof notYet>> {
  try {
    const res = await fetch(`${monitorUrl}/healthz${query}`);
    const body = (await res.json()) as { status?: string; error?: string };
    return body.status === 'ok' || notYet(body);
  } catch (e) {
    return notYet((e as Error).message);
  }
}

export function startNatsCluster(size: 1 | 3 = 3): Promise<NatsCluster> {
  return onFreePorts('nats cluster', () => startOnFreePorts(size));
}

async function startOnFreePorts(size: 1 | 3): Promise<NatsCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'hallwatch-nats-'));
  const ports = [];
  for (let i = 0; i < size; i++) ports.push({ client: await freePort(), http: await freePort(), mqtt: await freePort(), cluster: await freePort() });
  const routes = ports.map((p) => `127.0.0.1:${p.cluster}`);
  const nodes: NatsNode[] = ports.map((p, i) => {
    const name = `n${i + 1}`;
    const conf = join(dir, `${name}.conf`);
    writeFileSync(conf, natsNodeConfig({
      serverName: name, host: '127.0.0.1', clientPort: p.client, httpPort: p.http, mqttPort: p.mqtt, clusterPort: p.cluster,
      routes, storeDir: join(dir, name), clusterName: 'hallwatch-test',
    }));
    const monitorUrl = `http://127.0.0.1:${p.http}`;
    // Ready when it serves its monitoring port; JetStream health needs the others (see healthy()).
    const proc = serviceProcess(binary(), ['-c', conf], () =>
      waitFor(`nats-server ${name} to serve /varz`, async () => {
        try {
          return (await fetch(`${monitorUrl}/varz`)).ok || notYet('not ok');
        } catch (e) {
          return notYet((e as Error).message);
        }
      }, 30_000).then(() => undefined));
    return { ...proc, name, natsUrl: `nats://127.0.0.1:${p.client}`, mqttUrl: `mqtt://127.0.0.1:${p.mqtt}`, monitorUrl };
  });
  const cluster: NatsCluster = {
    nodes,
    natsUrls: nodes.map((n) => n.natsUrl).join(','),
    mqttUrls: nodes.map((n) => n.mqttUrl).join(','),
    async healthy(timeoutMs = 60_000) {
      for (const n of nodes) {
        if (n.pid() === undefined) continue;
        await waitFor(`nats-server ${n.name} JetStream healthy`, () => nodeHealthy(n.monitorUrl), timeoutMs, 200);
      }
    },
    async rejoined(timeoutMs = 60_000) {
      for (const n of nodes) {
        if (n.pid() === undefined) continue;
        await waitFor(`nats-server ${n.name} current with the JetStream meta leader`, () => nodeHealthy(n.monitorUrl, '?js-server-only=true'), timeoutMs, 200);
      }
    },
    async stop() {
      await Promise.all(nodes.map((n) => n.kill()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await Promise.all(nodes.map((n) => n.start()));
    await cluster.healthy();
  } catch (e) {
    await cluster.stop();
    throw e;
  }
  return cluster;
}
