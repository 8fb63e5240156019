/**
 * The benchmark's site and its publishers: a generated site of N GB300 racks (13 rows of 16 per
 * hall, 8 racks per CDU + 1 spare), every rack and CDU publishing once a second at its own offset
 * within the second, with realistic payloads (the rack's 72-entry `gpuW` array).
 */
import type { MqttClient } from 'mqtt';
import { connectMqttAsync } from '../simulators/mqtt-client.ts';
import { generateSite } from '../simulators/generate-site.ts';
import { entityTopic } from '../protocol/topics.ts';
import type { SiteSpec } from '../protocol/site.ts';

export interface BenchEntity {
  topic: string;
  kind: 'rack' | 'cdu';
}

/** A site of exactly `racks` racks (the last hall's rows trimmed). */
export function benchSite(racks: number): { spec: SiteSpec; entities: BenchEntity[] } {
  const rowsNeeded = Math.ceil(racks / 16);
  const halls = Math.ceil(rowsNeeded / 13);
  const spec = generateSite({ halls, rows: 13, racksPerRow: 16, racksPerCdu: 8, name: `bench ${racks} racks` });
  let extra = halls * 13 * 16 - racks;
  for (let h = spec.halls.length - 1; h >= 0 && extra > 0; h--) {
    const hall = spec.halls[h];
    while (extra >= 16 && hall.rows.length > 1) {
      const row = hall.rows.pop()!;
      hall.cdus = hall.cdus.filter((c) => c.rowId !== row.id);
      extra -= 16;
    }
  }
  const entities: BenchEntity[] = [];
  for (const h of spec.halls) {
    for (const r of h.rows) for (const k of r.racks) entities.push({ kind: 'rack', topic: entityTopic('hallwatch/v1', h.id, 'rack', k.id, 'telemetry') });
  }
  entities.length = Math.min(entities.length, racks);
  for (const h of spec.halls) for (const c of h.cdus) entities.push({ kind: 'cdu', topic: entityTopic('hallwatch/v1', h.id, 'cdu', c.id, 'telemetry') });
  return { spec, entities };
}

export interface Publishers {
  /** Messages published since the last `take()`, by kind. */
  take(): { rack: number; cdu: number };
  stop(): Promise<void>;
}

/**
 * Publishes every entity once a second over `connections` MQTT connections, in 50 slots a second.
 * Rack payloads carry `ts` = publish time (the latency probe) and a 72-entry `gpuW` unless `noGpu`.
 */
export async function startPublishers(url: string, entities: BenchEntity[], connections: number, noGpu: boolean): Promise<Publishers> {
  const pubs: MqttClient[] = await Promise.all(
    Array.from({ length: connections }, (_, k) => connectMqttAsync({ urls: url, clientId: `bench-pub-${process.pid}-${k}` })),
  );
  const gpuW = noGpu ? undefined : Array.from({ length: 72 }, (_, g) => 1100 + g);
  const counts = { rack: 0, cdu: 0 };
  let seq = 0;
  const SLOTS = 50;
  // Absolute slot number of the last slot published: a late timer catches up every slot it
  // missed, so the offered load stays at one message per entity per second.
  let lastSlot = Math.floor(Date.now() / (1000 / SLOTS));
  const timer = setInterval(() => {
    const nowSlot = Math.floor(Date.now() / (1000 / SLOTS));
    for (; lastSlot < nowSlot; ) publishSlot(++lastSlot % SLOTS);
  }, 1000 / SLOTS);
  function publishSlot(slot: number): void {
    for (let i = slot; i < entities.length; i += SLOTS) {
      const e = entities[i];
      const ts = Date.now();
      // Small variations per second, so values move the way real telemetry does.
      const wobble = (seq++ % 7) * 0.1;
      const payload = e.kind === 'rack'
        ? JSON.stringify({ ts, seq, rackKw: 120 + wobble, supplyC: 40, returnC: 49 + wobble, flowLpm: 182, gpuW, dpKpa: 80, valvePct: 70 })
        : JSON.stringify({
          ts, seq, supplyC: 40, returnC: 48.5 + wobble, flowLpm: 1300,
          facilitySupplyC: 32, facilityReturnC: 42, pumpPct: 65, dpKpa: 150, running: true,
        });
      pubs[i % connections].publish(e.topic, payload, { qos: 0 });
      counts[e.kind]++;
    }
  }
  return {
    take() {
      const c = { ...counts };
      counts.rack = 0;
      counts.cdu = 0;
      return c;
    },
    async stop() {
      clearInterval(timer);
      await Promise.all(pubs.map((p) => p.endAsync()));
    },
  };
}
