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

interface PointDef {
  pointType: string;
  engUnit?: string;
  stateText?: { value: number; text: string }[];
  processArea?: string[];
  /** tagPath below the object's own path. */
  tail: string;
  /** Smallest change that is published before the 100 s republish. */
  deadband: number;
}

const ON_OFF = (off: string, on: string) => [{ value: 0, text: off }, { value: 1, text: on }];
const RACK_POINTS: (PointDef & { field: keyof RackTelemetry })[] = [
  { field: 'supplyC', pointType: 'RackLiquidSupplyTemperature', engUnit: 'C', tail: 'energyValve/supplyTemperature/feedback/value', deadband: 0.1 },
  { field: 'returnC', pointType: 'RackLiquidReturnTemperature', engUnit: 'C', tail: 'energyValve/returnTemperature/feedback/value', deadband: 0.1 },
  { field: 'flowLpm', pointType: 'RackLiquidFlow', engUnit: 'LPM', tail: 'energyValve/flow/feedback/value', deadband: 1 },
  { field: 'rackKw', pointType: 'RackPower', engUnit: 'kW', tail: 'info/power/power/value', deadband: 0.5 },
  { field: 'dpKpa', pointType: 'RackLiquidDifferentialPressure', engUnit: 'kPa', tail: 'energyValve/dp/feedback/value', deadband: 1 },
  { field: 'valvePct', pointType: 'RackControlValvePosition', engUnit: '%', tail: 'energyValve/positionSig/rValue', deadband: 1 },
  { field: 'leak', pointType: 'RackLeakDetect', stateText: ON_OFF('NoLeak', 'Leak'), tail: 'leakStatus/state/rValue', deadband: 0.5 },
];
const CDU_POINTS: (PointDef & { field: keyof CduTelemetry | 'status' })[] = [
  { field: 'supplyC', pointType: 'LiquidTemperature', engUnit: 'C', processArea: ['Secondary', 'Supply'], tail: 'secondary/supply/temperature/feedback/value', deadband: 0.1 },
  { field: 'returnC', pointType: 'LiquidTemperature', engUnit: 'C', processArea: ['Secondary', 'Return'], tail: 'secondary/return/temperature/feedback/value', deadband: 0.1 },
  { field: 'facilitySupplyC', pointType: 'LiquidTemperature', engUnit: 'C', processArea: ['Primary', 'Inlet'], tail: 'primary/inlet/temperature/feedback/value', deadband: 0.1 },
  { field: 'facilityReturnC', pointType: 'LiquidTemperature', engUnit: 'C', processArea: ['Primary', 'Outlet'], tail: 'primary/outlet/temperature/feedback/value', deadband: 0.1 },
  { field: 'flowLpm', pointType: 'LiquidFlow', engUnit: 'LPM', processArea: ['Secondary'], tail: 'secondary/flow/feedback/value', deadband: 2 },
  { field: 'pumpPct', pointType: 'PumpSpeed', engUnit: '%', processArea: ['Secondary'], tail: 'secondary/pump/pump1/speed/value', deadband: 1 },
  { field: 'dpKpa', pointType: 'LiquidDifferentialPressure', engUnit: 'kPa', processArea: ['Secondary'], tail: 'secondary/dp/feedback/value', deadband: 1 },
  { field: 'status', pointType: 'Status', stateText: ON_OFF('Off', 'On'), tail: 'cduStatus/rValue', deadband: 0.5 },
];

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
        for (const p of CDU_POINTS) this.define(`cdu:${cdu.id}:${p.field}`, 'CDU', p, `hallwatch-sim/${hall.id}/${cdu.id}`, { objectName: cdu.id, objectId: cdu.id, servesId: cdu.rackIds });
      }
    }
    const sys = (pointType: string, tail: string, extra: Record<string, unknown>) => {
      const topic = `${cfg.root}/PUB/Metadata/System/${pointType}/hallwatch-sim/${tail}`;
      this.metadata.push([topic, JSON.stringify({ objectType: 'System', pointType, ...extra })]);
      return topic.replace('/Metadata/', '/Value/');
    };
    this.heartbeatTopic = sys('HeartbeatTimestampBms', 'bms/heartbeat', { objectId: 'BMS', objectName: 'BMS' });
    sys('HeartbeatTimestampIntegration', `integrations/${cfg.integration}/heartbeat`, { objectId: cfg.integration, objectName: cfg.integration, integration: cfg.integration });
  }

  private readonly heartbeatTopic: string;

  private define(key: string, objectType: string, p: PointDef, base: string, ids: Record<string, unknown>): void {
    const tagPath = `${base}/${p.tail}`;
    const meta = JSON.stringify({ objectType, pointType: p.pointType, ...(p.engUnit ? { engUnit: p.engUnit } : {}), ...(p.stateText ? { stateText: p.stateText } : {}), ...ids, ...(p.processArea ? { processArea: p.processArea } : {}) });
    const metaTopic = `${this.cfg.root}/PUB/Metadata/${objectType}/${p.pointType}/${tagPath}`;
    this.metadata.push([metaTopic, meta]);
    this.points.set(key, { topic: `${this.cfg.root}/PUB/Value/${objectType}/${p.pointType}/${tagPath}`, metadata: meta, deadband: p.deadband, last: Number.NaN, lastSentMs: 0 });
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
