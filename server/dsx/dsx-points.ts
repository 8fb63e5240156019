/**
 * Turns DSX point messages into rack and CDU readings (docs/dsx.md). Metadata registers what a
 * point is (through `mapPoint`); a value is read only through its point's metadata, converted
 * to Hallwatch's units, and merged into its rack's or CDU's current reading, which is returned
 * for the live state. A value whose metadata has not arrived waits (at most `pendingMax`
 * points, `pendingMs` each) and is counted if it never gets one. Everything refused is counted
 * by reason. Pure: the clock is an argument.
 */
import { parseDsxMetadata, parseDsxTopic, parseDsxValue, toHallwatchUnit } from '../../protocol/dsx.ts';
import type { CduTelemetry, RackTelemetry } from '../../protocol/telemetry.ts';
import type { SiteIndex } from '../site/site-index.ts';
import { CDU_FIELDS, mapPoint, RACK_FIELDS, type DsxCduField, type DsxRackField, type PointTarget } from './point-map.ts';

export const DSX_REJECT_REASONS = [
  'bad_topic', 'bad_json', 'bad_metadata', 'bad_value', 'bad_quality', 'null_value', 'unknown_unit',
  'no_metadata', 'unknown_rack', 'unknown_cdu',
] as const;
export type DsxRejectReason = (typeof DSX_REJECT_REASONS)[number];

export type DsxOutcome =
  | { ok: true; kind: 'metadata'; objectType: string; pointType: string; pointKey: string; integration: string | null }
  | { ok: true; kind: 'pending' }
  /** A point Hallwatch does not use (air sensors, power meters, setpoints…): counted, not an error. */
  | { ok: true; kind: 'ignored'; pointType: string; why: string }
  | { ok: true; kind: 'heartbeat'; tsMs: number }
  | { ok: true; kind: 'rack'; index: number; sample: RackTelemetry }
  | { ok: true; kind: 'cdu'; index: number; sample: CduTelemetry }
  | { ok: false; reason: DsxRejectReason; message: string };

interface Registered {
  target: PointTarget;
  engUnit: string | null;
  /** Rack/CDU index in the site (−1 when the site does not have it). */
  index: number;
}

const reject = (reason: DsxRejectReason, message: string): DsxOutcome => ({ ok: false, reason, message });

export class DsxPoints {
  private readonly points = new Map<string, Registered>();
  private readonly pending = new Map<string, { topic: string; payload: string; atMs: number }>();
  private readonly rack: Float64Array[];
  private readonly cdu: Float64Array[];
  /** Secondary pump speeds per CDU and point: the CDU's speed is its fastest pump's. */
  private readonly pumps = new Map<number, Map<string, number>>();
  private readonly rackTs: Float64Array;
  private readonly cduTs: Float64Array;
  /** Every rack and CDU a DSX point has fed (their staleness follows the DSX rule). */
  readonly fedRacks = new Set<number>();
  readonly fedCdus = new Set<number>();

  constructor(
    private readonly site: SiteIndex,
    private readonly root: string,
    private readonly pendingMax = 10_000,
    private readonly pendingMs = 30_000,
  ) {
    this.rack = RACK_FIELDS.map(() => new Float64Array(site.racks.length).fill(Number.NaN));
    this.cdu = CDU_FIELDS.map(() => new Float64Array(site.cdus.length).fill(Number.NaN));
    this.rackTs = new Float64Array(site.racks.length);
    this.cduTs = new Float64Array(site.cdus.length);
  }

  /** One message from the bus. Values that must wait for metadata come back from `expire`/`metadata`. */
  handle(topic: string, payload: string, nowMs: number): DsxOutcome[] {
    const t = parseDsxTopic(this.root, topic);
    if (!t) return [reject('bad_topic', `${topic.slice(0, 200)}: not a DSX point topic under ${this.root}`)];
    let json: unknown;
    try {
      json = JSON.parse(payload);
    } catch {
      return [reject('bad_json', `${topic}: payload is not valid JSON`)];
    }
    if (t.kind === 'Metadata') {
      const m = parseDsxMetadata(json);
      if (!m.ok) return [reject('bad_metadata', `${topic}: ${m.message}`)];
      const target = mapPoint(m.value);
      const index =
        target.kind === 'rack' ? (this.site.rackIndexById.get(target.rackId) ?? -1)
        : target.kind === 'cdu' ? (this.site.cduIndexById.get(target.cduId) ?? -1)
        : -1;
      this.points.set(t.pointKey, { target, engUnit: m.value.engUnit, index });
      const { objectType, pointType, integration } = m.value;
      const out: DsxOutcome[] = [{ ok: true, kind: 'metadata', objectType, pointType, pointKey: t.pointKey, integration }];
      const waiting = this.pending.get(t.pointKey);
      if (waiting) {
        this.pending.delete(t.pointKey);
        out.push(...this.handle(waiting.topic, waiting.payload, nowMs));
      }
      return out;
    }
    const v = parseDsxValue(json);
    if (!v.ok) return [reject('bad_value', `${topic}: ${v.message}`)];
    const point = this.points.get(t.pointKey);
    if (!point) {
      // Values may arrive before their (retained) metadata: hold the latest, bounded.
      if (!this.pending.has(t.pointKey) && this.pending.size >= this.pendingMax) {
        return [reject('no_metadata', `${topic}: no metadata for this point, and ${this.pendingMax} points already wait for theirs`)];
      }
      this.pending.set(t.pointKey, { topic, payload, atMs: this.pending.get(t.pointKey)?.atMs ?? nowMs });
      return [{ ok: true, kind: 'pending' }];
    }
    const { target } = point;
    if (target.kind === 'ignored') return [{ ok: true, kind: 'ignored', pointType: `${t.objectType}/${t.pointType}`, why: target.why }];
    if (v.value.quality !== 1) return [reject('bad_quality', `${topic}: quality ${v.value.quality} (only 1 is good)`)];
    if (v.value.value === null) return [reject('null_value', `${topic}: value is null (the BMS has no valid reading)`)];
    if (target.kind === 'heartbeat') return [{ ok: true, kind: 'heartbeat', tsMs: v.value.timestampMs }];
    if (point.index < 0) {
      const id = target.kind === 'rack' ? target.rackId : target.cduId;
      return [reject(target.kind === 'rack' ? 'unknown_rack' : 'unknown_cdu', `${topic}: ${target.kind} "${id}" is not in the site`)];
    }
    let value = v.value.value;
    if (target.quantity) {
      const c = toHallwatchUnit(target.quantity, point.engUnit, value);
      if (!c.ok) return [reject('unknown_unit', `${topic}: ${c.message}`)];
      value = c.value;
    }
    if (target.kind === 'cdu' && target.field === 'pumpPct') {
      const speeds = this.pumps.get(point.index) ?? new Map<string, number>();
      this.pumps.set(point.index, speeds);
      speeds.set(t.pointKey, value);
      value = Math.max(...speeds.values());
    }
    const { timestampMs } = v.value;
    return [
      target.kind === 'rack'
        ? this.rackReading(point.index, target.field, value, timestampMs)
        : this.cduReading(point.index, target.field, value, timestampMs),
    ];
  }

  /** Values whose metadata never came within `pendingMs`: dropped and counted. */
  expire(nowMs: number): DsxOutcome[] {
    const out: DsxOutcome[] = [];
    for (const [key, p] of this.pending) {
      if (nowMs - p.atMs < this.pendingMs) continue;
      this.pending.delete(key);
      out.push(reject('no_metadata', `${p.topic}: no metadata for this point after ${this.pendingMs / 1000} s`));
    }
    return out;
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  /** A reading's source time: the newest of its points, and always later than the last one applied. */
  private nextTs(ts: Float64Array, i: number, tsMs: number): number {
    const t = Math.max(tsMs, ts[i] + 1);
    ts[i] = t;
    return t;
  }

  private rackReading(i: number, field: DsxRackField, value: number, tsMs: number): DsxOutcome {
    const col = this.rack[RACK_FIELDS.indexOf(field)];
    col[i] = value;
    this.fedRacks.add(i);
    const get = (f: DsxRackField) => this.rack[RACK_FIELDS.indexOf(f)][i];
    // Either detector (rack or drip tray) at 1 = Leak: a leak, critical.
    const leak: 0 | 2 = get('leak') >= 1 || get('leakTray') >= 1 ? 2 : 0;
    const sample: RackTelemetry = {
      ts: this.nextTs(this.rackTs, i, tsMs),
      rackKw: get('rackKw'),
      supplyC: get('supplyC'),
      returnC: get('returnC'),
      flowLpm: get('flowLpm'),
      ...(Number.isFinite(get('dpKpa')) ? { dpKpa: get('dpKpa') } : {}),
      ...(Number.isFinite(get('valvePct')) ? { valvePct: get('valvePct') } : {}),
      leak,
    };
    return { ok: true, kind: 'rack', index: i, sample };
  }

  private cduReading(j: number, field: DsxCduField, value: number, tsMs: number): DsxOutcome {
    this.cdu[CDU_FIELDS.indexOf(field)][j] = value;
    this.fedCdus.add(j);
    const get = (f: DsxCduField) => this.cdu[CDU_FIELDS.indexOf(f)][j];
    // Running unless the BMS says Off (Status 0) or not available (Available 0).
    const running = get('status') !== 0 && get('available') !== 0;
    const sample: CduTelemetry = {
      ts: this.nextTs(this.cduTs, j, tsMs),
      supplyC: get('supplyC'),
      returnC: get('returnC'),
      flowLpm: get('flowLpm'),
      running,
      ...(Number.isFinite(get('facilitySupplyC')) ? { facilitySupplyC: get('facilitySupplyC') } : {}),
      ...(Number.isFinite(get('facilityReturnC')) ? { facilityReturnC: get('facilityReturnC') } : {}),
      ...(Number.isFinite(get('pumpPct')) ? { pumpPct: get('pumpPct') } : {}),
      ...(Number.isFinite(get('dpKpa')) ? { dpKpa: get('dpKpa') } : {}),
    };
    return { ok: true, kind: 'cdu', index: j, sample };
  }
}
