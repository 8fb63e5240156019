/**
 * A real multi-site campus on loopback (docs/multi-site.md): one hub nats-server and, per site, a
 * one- or three-node nats-server cluster (JetStream and MQTT on each node), every site node
 * leaf-connected to the hub with the configs of server/cluster/leaf-config.ts. Every process is
 * stopped, killed (-9) and restarted by its own PID on the same ports and data, so a site
 * reconnects to a restarted hub.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.ts';
import { getJson, notYet, waitFor } from './wait.ts';
import { onFreePorts, serviceProcess, type ServiceProcess } from './service-process.ts';
import { hubNodeConfig, siteNodeConfig, siteRequestSubjects } from '../../server/cluster/leaf-config.ts';

export interface LeafHub extends ServiceProcess {
  /** nats://127.0.0.1:port (lands in account FLEET) */
  natsUrl: string;
  monitorUrl: string;
}

export interface LeafSiteNode extends ServiceProcess {
  name: string;
  /** nats://127.0.0.1:port (lands in account SITE) */
  natsUrl: string;
  mqttUrl: string;
  monitorUrl: string;
}

/** A site: its first node (the whole site when it has one), and all its nodes. */
export interface LeafSite extends LeafSiteNode {
  siteKey: string;
  nodes: LeafSiteNode[];
}

/** A site's key, or its key and its number of nodes (1 unless told). */
export type LeafSiteSpec = string | { siteKey: string; nodes: 1 | 3 };

export interface LeafCampus {
  hub: LeafHub;
  sites: LeafSite[];
  site(siteKey: string): LeafSite;
  /** Waits until the hub lists a leaf connection of each site (its request subjects among the leaf's subscriptions). */
  linked(siteKeys?: string[], timeoutMs?: number): Promise<void>;
  /** Waits until the hub's interest in `subject` reached every running node of a site over its leaf connection (a hub subscriber is then served). */
  hubInterest(siteKey: string, subject: string, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

function binary(): string {
  for (const p of ['/usr/sbin/nats-server', '/usr/bin/nats-server']) if (existsSync(p)) return p;
  throw new Error('nats-server not installed: run `npm test` (it installs it with apt-get)');
}

interface LeafzBody {
  leafs?: { account: string; subscriptions_list?: string[] }[];
}

/** Subjects the leaf connections of a server subscribe to, from its /leafz. */
async function leafSubscriptions(monitorUrl: string): Promise<string[]> {
  const body = await getJson<LeafzBody>(`${monitorUrl}/leafz?subs=1`);
  return (body.leafs ?? []).flatMap((l) => l.subscriptions_list ?? []);
}

/** Waits until a node's monitor answers `/healthz` with ok (JetStream up; MQTT then accepts clients). */
function healthy(name: string, monitorUrl: string, timeoutMs = 60_000): Promise<void> {
  return waitFor(`nats-server ${name} healthy`, async () => {
    try {
      const body = (await (await fetch(`${monitorUrl}/healthz`)).json()) as { status?: string };
      return body.status === 'ok' || notYet(body);
    } catch (e) {
      return notYet((e as Error).message);
    }
  }, timeoutMs, 200).then(() => undefined);
}

/**
 * A process ready once healthy; a node of a three-node site once it serves `/varz` (its
 * JetStream needs its peers: `startLeafCampus` waits for their health once all run).
 */
function natsProcess(name: string, conf: string, monitorUrl: string, alone: boolean): ServiceProcess {
  return serviceProcess(binary(), ['-c', conf], () => alone ? healthy(name, monitorUrl) :
    waitFor(`nats-server ${name} to serve /varz`, async () => {
      try {
        return (await fetch(`${monitorUrl}/varz`)).ok || notYet('not ok');
      } catch (e) {
        return notYet((e as Error).message);
      }
    }, 30_000).then(() => undefined));
}

export function startLeafCampus(specs: LeafSiteSpec[]): Promise<LeafCampus> {
  return onFreePorts('nats leaf campus', () => startOnFreePorts(specs.map((s) => (typeof s === 'string' ? { siteKey: s, nodes: 1 } : s))));
}

async function startOnFreePorts(specs: { siteKey: string; nodes: number }[]): Promise<LeafCampus> {
  const siteKeys = specs.map((s) => s.siteKey);
  const dir = mkdtempSync(join(tmpdir(), 'hallwatch-leaf-'));
  const host = '127.0.0.1';
  const hubPorts = { client: await freePort(), http: await freePort(), leaf: await freePort() };
  const passwords = new Map(siteKeys.map((k, i) => [k, `leaf-${k}-${process.pid}-${i}`]));
  const hubConf = join(dir, 'hub.conf');
  writeFileSync(hubConf, hubNodeConfig({
    serverName: 'hub', host, clientPort: hubPorts.client, httpPort: hubPorts.http, leafPort: hubPorts.leaf,
    sites: siteKeys.map((siteKey) => ({ siteKey, leafPassword: passwords.get(siteKey)! })), storeDir: join(dir, 'hub'),
  }));
  const hubMonitor = `http://${host}:${hubPorts.http}`;
  const hub: LeafHub = { ...natsProcess('hub', hubConf, hubMonitor, true), natsUrl: `nats://${host}:${hubPorts.client}`, monitorUrl: hubMonitor };

  const sites: LeafSite[] = [];
  for (const { siteKey, nodes: size } of specs) {
    const ports = [];
    for (let i = 0; i < size; i++) ports.push({ client: await freePort(), http: await freePort(), mqtt: await freePort(), cluster: await freePort() });
    const routes = ports.map((p) => `${host}:${p.cluster}`);
    const nodes = ports.map((p, i): LeafSiteNode => {
      const name = `site-${siteKey}-${i + 1}`;
      const conf = join(dir, `${name}.conf`);
      writeFileSync(conf, siteNodeConfig(
        { serverName: name, host, clientPort: p.client, httpPort: p.http, mqttPort: p.mqtt, clusterPort: p.cluster, routes, storeDir: join(dir, name), clusterName: `site-${siteKey}` },
        { siteKey, hubLeafAddresses: [`${host}:${hubPorts.leaf}`], leafPassword: passwords.get(siteKey)! },
      ));
      const monitorUrl = `http://${host}:${p.http}`;
      return { ...natsProcess(name, conf, monitorUrl, size === 1), name, natsUrl: `nats://${host}:${p.client}`, mqttUrl: `mqtt://${host}:${p.mqtt}`, monitorUrl };
    });
    sites.push({ ...nodes[0], siteKey, nodes });
  }

  const site = (siteKey: string) => {
    const s = sites.find((x) => x.siteKey === siteKey);
    if (!s) throw new Error(`no site "${siteKey}" in this campus (${siteKeys.join(', ')})`);
    return s;
  };
  const campus: LeafCampus = {
    hub, sites, site,
    async linked(keys = siteKeys, timeoutMs = 30_000) {
      await waitFor(`the hub to list a leaf connection of site(s) ${keys.join(', ')}`, async () => {
        const subs = await leafSubscriptions(hub.monitorUrl);
        const missing = keys.filter((k) => !subs.includes(siteRequestSubjects(k)));
        return missing.length === 0 || notYet({ missing, subs });
      }, timeoutMs, 100);
    },
    async hubInterest(siteKey, subject, timeoutMs = 30_000) {
      for (const n of site(siteKey).nodes.filter((x) => x.pid() !== undefined)) {
        await waitFor(`the hub's interest in ${subject} to reach ${n.name}`, async () => {
          const subs = await leafSubscriptions(n.monitorUrl);
          return subs.includes(subject) || notYet({ subs });
        }, timeoutMs, 100);
      }
    },
    async stop() {
      await Promise.all([hub, ...sites.flatMap((s) => s.nodes)].map((p) => p.kill()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await hub.start();
    await Promise.all(sites.flatMap((s) => s.nodes).map((n) => n.start()));
    for (const n of sites.flatMap((s) => s.nodes)) await healthy(n.name, n.monitorUrl);
    await campus.linked();
  } catch (e) {
    await campus.stop();
    throw e;
  }
  return campus;
}
