/**
 * The simulator's DSX Exchange dialect (`--dialect dsx`, docs/dsx.md): the simulated site as a
 * BMS would publish it — every rack and CDU point's metadata retained at start and every 100 s,
 * values on change (beyond a deadband per quantity) and republished every 100 s when unchanged,
 * the BMS heartbeat every 10 s, and the metadata of Hallwatch's own heartbeat point. One MQTT
 * connection, as a BMS has; an offline rack simply stops publishing (DSX has no Last Will per
 * point).
 */
import type { MqttClient } from 'mqtt';
import type { BusConnection } from '../protocol/bus-connection.ts';
import { DSX_REPUBLISH_MS } from '../protocol/dsx.ts';
import {
  DSX_BMS_HEARTBEAT,
  DSX_CDU_POINTS,
  DSX_INTEGRATION_HEARTBEAT,
  DSX_RACK_POINTS,
  type DsxCduField,
  type DsxPointSpec,
  type DsxRackField,
} from '../protocol/dsx-points.ts';
import type { CduTelemetry, RackTelemetry } from '../protocol/telemetry.ts';
import type { SiteSpec } from '../protocol/site.ts';
import { connectMqttAsync } from './mqtt-client.ts';

export interface DsxPublisherConfig {
  /** The broker(s), credentials, CA and client ID: one connection, as a BMS has. */
  bus: BusConnection;
  root: string;
  /** The integration whose heartbeat point the BMS declares (Hallwatch's `--dsx-integration`). */
  integration: string;
}

/** How the simulated BMS publishes a point: its unit or states, its tagPath and its deadband. */
interface PointWiring {
  engUnit?: string;
  stateText?: { value: number; text: string }[];
  /** tagPath below the object's own path. */
  tail: string;
  /** Smallest change that is published before the 100 s republish. */
  deadband: number;
}

type PointDef = PointWiring & { pointType: string; processArea?: readonly string[] };

const ON_OFF = (off: string, on: string) => [{ value: 0, text: off }, { value: 1, text: on }];
/** The rack points the simulator publishes (not the tray detector: a simulated rack has one). */
const RACK_WIRING: Partial<Record<DsxRackField & keyof RackTelemetry, PointWiring>> = {
  supplyC: { engUnit: 'C', tail: 'energyValve/supplyTemperature/feedback/value', deadband: 0.1 },
  returnC: { engUnit: 'C', tail: 'energyValve/returnTemperature/feedback/value', deadband: 0.1 },
  flowLpm: { engUnit: 'LPM', tail: 'energyValve/flow/feedback/value', deadband: 1 },
  rackKw: { engUnit: 'kW', tail: 'info/power/power/value', deadband: 0.5 },
  dpKpa: { engUnit: 'kPa', tail: 'energyValve/dp/feedback/value', deadband: 1 },
  valvePct: { engUnit: '%', tail: 'energyValve/positionSig/rValue', deadband: 1 },
  leak: { stateText: ON_OFF('NoLeak', 'Leak'), tail: 'leakStatus/state/rValue', deadband: 0.5 },
};
/** The CDU points the simulator publishes (not `Available`: a simulated CDU is either running or not). */
const CDU_WIRING: Partial<Record<(DsxCduField & keyof CduTelemetry) | 'status', PointWiring>> = {
  supplyC: { engUnit: 'C', tail: 'secondary/supply/temperature/feedback/value', deadband: 0.1 },
  returnC: { engUnit: 'C', tail: 'secondary/return/temperature/feedback/value', deadband: 0.1 },
  facilitySupplyC: { engUnit: 'C', tail: 'primary/inlet/temperature/feedback/value', deadband: 0.1 },
  facilityReturnC: { engUnit: 'C', tail: 'primary/outlet/temperature/feedback/value', deadband: 0.1 },
  flowLpm: { engUnit: 'LPM', tail: 'secondary/flow/feedback/value', deadband: 2 },
  pumpPct: { engUnit: '%', tail: 'secondary/pump/pump1/speed/value', deadband: 1 },
  dpKpa: { engUnit: 'kPa', tail: 'secondary/dp/feedback/value', deadband: 1 },
  status: { stateText: ON_OFF('Off', 'On'), tail: 'cduStatus/rValue', deadband: 0.5 },
};

/** The contract's points joined with how the simulator publishes them; a point it does not publish is left out. */
function wire<F extends string>(specs: readonly DsxPointSpec<string>[], wiring: Partial<Record<F, PointWiring>>): (PointDef & { field: F })[] {
  return specs.flatMap((spec) => {
    const field = spec.field as F;
    const w = wiring[field];
    if (!w) return [];
    const processArea = spec.processAreas[0];
    return [{ field, pointType: spec.pointType, ...(processArea?.length ? { processArea } : {}), ...w }];
  });
}

const RACK_POINTS = wire(DSX_RACK_POINTS, RACK_WIRING);
const CDU_POINTS = wire(DSX_CDU_POINTS, CDU_WIRING);

interface Point {
  topic: string;
  metadata: string;
  deadband: number;
  last: number;
  lastSentMs: number;
}

export class DsxPublisher {
  private client: MqttClient | null = null;
  private readonly points = new Map<string, Point>();
  private readonly metadata: [string, string][] = [];
  private lastMetadataMs = 0;
  private lastHeartbeatMs = 0;
  published = 0;

  constructor(private readonly cfg: DsxPublisherConfig, site: SiteSpec) {
    for (const hall of site.halls) {
      for (const row of hall.rows) {
        for (const rack of row.racks) {
          const base = `hallwatch-sim/${hall.id}/row-${row.id}/rack${String(rack.position).padStart(2, '0')}`;
          for (const p of RACK_POINTS) this.define(`rack:${rack.id}:${p.field}`, 'Rack', p, base, { rackLocationName: rack.id, rackLocationId: rack.id });
        }
      }
      for (const cdu of hall.cdus) {
        const ids = { objectName: cdu.id, objectId: cdu.id, servesId: cdu.rackIds };
        for (const p of CDU_POINTS) this.define(`cdu:${cdu.id}:${p.field}`, 'CDU', p, `hallwatch-sim/${hall.id}/${cdu.id}`, ids);
      }
    }
    const sys = (pointType: string, tail: string, extra: Record<string, unknown>) => {
      const topic = `${cfg.root}/PUB/Metadata/System/${pointType}/hallwatch-sim/${tail}`;
      this.metadata.push([topic, JSON.stringify({ objectType: 'System', pointType, ...extra })]);
      return topic.replace('/Metadata/', '/Value/');
    };
    this.heartbeatTopic = sys(DSX_BMS_HEARTBEAT, 'bms/heartbeat', { objectId: 'BMS', objectName: 'BMS' });
    const integrationIds = { objectId: cfg.integration, objectName: cfg.integration, integration: cfg.integration };
    sys(DSX_INTEGRATION_HEARTBEAT, `integrations/${cfg.integration}/heartbeat`, integrationIds);
  }

  private readonly heartbeatTopic: string;

  private define(key: string, objectType: string, p: PointDef, base: string, ids: Record<string, unknown>): void {
    const tagPath = `${base}/${p.tail}`;
    const meta = JSON.stringify({
      objectType,
      pointType: p.pointType,
      ...(p.engUnit ? { engUnit: p.engUnit } : {}),
      ...(p.stateText ? { stateText: p.stateText } : {}),
      ...ids,
      ...(p.processArea ? { processArea: p.processArea } : {}),
    });
    const metaTopic = `${this.cfg.root}/PUB/Metadata/${objectType}/${p.pointType}/${tagPath}`;
    this.metadata.push([metaTopic, meta]);
    const topic = `${this.cfg.root}/PUB/Value/${objectType}/${p.pointType}/${tagPath}`;
    this.points.set(key, { topic, metadata: meta, deadband: p.deadband, last: Number.NaN, lastSentMs: 0 });
  }

  async start(): Promise<void> {
    this.client = await connectMqttAsync(this.cfg.bus);
    this.client.on('error', () => {});
    // Metadata first, acknowledged (QoS 1), before any value: a subscriber must be able to read them.
    await Promise.all(this.metadata.map(([topic, payload]) => this.client!.publishAsync(topic, payload, { qos: 1, retain: true })));
    this.lastMetadataMs = Date.now();
  }

  get pointCount(): number {
    return this.points.size;
  }

  /** Metadata every 100 s, the BMS heartbeat every 10 s. */
  tick(nowMs: number): void {
    const c = this.client;
    if (!c?.connected) return;
    if (nowMs - this.lastMetadataMs >= DSX_REPUBLISH_MS) {
      this.lastMetadataMs = nowMs;
      for (const [topic, payload] of this.metadata) c.publish(topic, payload, { qos: 1, retain: true });
    }
    if (nowMs - this.lastHeartbeatMs >= 10_000) {
      this.lastHeartbeatMs = nowMs;
      c.publish(this.heartbeatTopic, JSON.stringify({ value: nowMs, timestamp: nowMs, quality: 1 }), { qos: 0 });
    }
  }

  rack(id: string, s: RackTelemetry): void {
    for (const p of RACK_POINTS) {
      const v = s[p.field];
      if (typeof v === 'number') this.value(`rack:${id}:${p.field}`, v, s.ts);
    }
  }

  cdu(id: string, s: CduTelemetry): void {
    for (const p of CDU_POINTS) {
      const v = p.field === 'status' ? (s.running === false ? 0 : 1) : s[p.field];
      if (typeof v === 'number') this.value(`cdu:${id}:${p.field}`, v, s.ts);
    }
  }

  /** Publishes a point on change beyond its deadband, or when 100 s have passed since it last went out. */
  private value(key: string, v: number, tsMs: number): void {
    const p = this.points.get(key);
    const c = this.client;
    if (!p || !c?.connected) return;
    if (Math.abs(v - p.last) < p.deadband && tsMs - p.lastSentMs < DSX_REPUBLISH_MS) return;
    p.last = v;
    p.lastSentMs = tsMs;
    c.publish(p.topic, JSON.stringify({ value: v, timestamp: tsMs, quality: 1 }), { qos: 0 });
    this.published++;
  }

  async stop(): Promise<void> {
    await this.client?.endAsync();
    this.client = null;
  }
}
