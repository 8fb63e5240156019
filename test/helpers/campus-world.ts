/**
 * A campus on a real NATS node: a three-hall site, the real simulator publishing every hall on
 * the node's MQTT listener, one real hall shard per hall (`--halls`) and the real campus view
 * (`--campus`), each a separate server process. Shards can be killed (-9) and started again.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNatsCluster, type NatsCluster } from './nats-cluster.ts';
import { startServer, startSimulator, type Program } from './programs.ts';
import { generateSite } from '../../simulators/generate-site.ts';
import type { SiteSpec } from '../../protocol/site.ts';

export type Server = Awaited<ReturnType<typeof startServer>>;

export interface CampusWorld {
  nats: NatsCluster;
  spec: SiteSpec;
  sitePath: string;
  hallIds: string[];
  /** Shard of each hall, by hall ID. */
  shards: Map<string, Server>;
  campus: Server;
  sim: Program;
  /** The simulator's fault port (POST /faults). */
  controlPort: number;
  /** Starts the shard of `hallId` (again). */
  startShard(hallId: string): Promise<Server>;
  /** Arguments a server of this campus takes, before its own. */
  baseArgs: string[];
  stop(): Promise<void>;
}

export async function startCampusWorld(opts: { shardArgs?: string[]; campusArgs?: string[]; auth?: boolean } = {}): Promise<CampusWorld> {
  const nats = await startNatsCluster(1);
  const spec = generateSite({ halls: 3, rows: 2, racksPerRow: 4, racksPerCdu: 2, name: 'campus test' });
  const dir = mkdtempSync(join(tmpdir(), 'hallwatch-campus-'));
  const sitePath = join(dir, 'campus.json');
  writeFileSync(sitePath, JSON.stringify(spec));
  const hallIds = spec.halls.map((h) => h.id);
  const baseArgs = ['--site', sitePath, '--cluster', nats.natsUrls];
  const shards = new Map<string, Server>();
  const started: Program[] = [];
  const startShard = async (hallId: string) => {
    const s = await startServer([...baseArgs, '--mqtt', nats.mqttUrls, '--halls', hallId, '--server-name', `shard-${hallId}`, ...(opts.shardArgs ?? [])], { auth: opts.auth });
    shards.set(hallId, s);
    started.push(s);
    return s;
  };
  try {
    for (const h of hallIds) await startShard(h);
    const campus = await startServer([...baseArgs, '--campus', '1', '--server-name', 'campus', ...(opts.campusArgs ?? [])], { auth: opts.auth });
    started.push(campus);
    const sim = await startSimulator(['--site', sitePath, '--mqtt', nats.mqttUrls, '--seed', '4', '--control-port', '0', '--drift', 'off']);
    started.push(sim);
    const controlPort = Number(/control=(\d+)/.exec(sim.readyLine)![1]);
    return {
      nats, spec, sitePath, hallIds, shards, campus, sim, controlPort, startShard, baseArgs,
      async stop() {
        await Promise.all(started.map((p) => p.stop()));
        await nats.stop();
      },
    };
  } catch (e) {
    await Promise.all(started.map((p) => p.stop()));
    await nats.stop();
    throw e;
  }
}
