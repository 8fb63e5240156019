import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parseDsxMetadata, parseDsxTopic, toHallwatchUnit, type Quantity } from '../../protocol/dsx.ts';
import { mapPoint } from '../../server/dsx/point-map.ts';
import { DsxPoints, type DsxOutcome } from '../../server/dsx/dsx-points.ts';
import { discoverSite, type DiscoveredPoint } from '../../simulators/dsx-discover.ts';
import { parseOffsetMs, parseRecording, stamp } from '../../simulators/dsx-recording.ts';
import { parseSite } from '../../protocol/site.ts';
import { buildSiteIndex } from '../../server/site/site-index.ts';

const EXEMPLAR = readFileSync(new URL('../fixtures/dsx/dsx_exemplar.csv', import.meta.url), 'utf8');
const NOW = 1_800_000_000_000;

const meta = (o: Record<string, unknown>) => {
  const m = parseDsxMetadata(o);
  if (!m.ok) throw new Error(m.message);
  return m.value;
};

describe('DSX topics and units', () => {
  it.each([
    [
      'BMS/v1/PUB/Value/Rack/RackPower/nvidia/titan/pod1C/rowE/rack01/info/power/power/value',
      { publisher: 'PUB', kind: 'Value', objectType: 'Rack', pointType: 'RackPower', tagPath: 'nvidia/titan/pod1C/rowE/rack01/info/power/power/value' },
    ],
    [
      'BMS/v1/MEPAI/Value/CDU/LiquidTemperatureSpRequest/site1/row3/cdu5',
      { publisher: 'MEPAI', kind: 'Value', pointKey: 'CDU/LiquidTemperatureSpRequest/site1/row3/cdu5' },
    ],
    ['BMS/v1/PUB/Metadata/System/HeartbeatTimestampBms/bms', { kind: 'Metadata', objectType: 'System', tagPath: 'bms' }],
  ])('parses %s', (topic, expected) => expect(parseDsxTopic('BMS/v1', topic)).toMatchObject(expected));

  it.each([
    'BMS/v1/PUB/Value/Rack/RackPower',
    'BMS/v1/PUB/Other/Rack/RackPower/x',
    'BMS/v2/PUB/Value/Rack/RackPower/x',
    'BMS/v1/PUB/Value/Rack/RackPower/a//b',
    'hallwatch/v1/hall-1/rack/x/telemetry',
  ])('refuses %s', (topic) => expect(parseDsxTopic('BMS/v1', topic)).toBeNull());

  it.each<[Quantity, string, number, number]>([
    ['temperature', 'C', 32.75, 32.75],
    ['temperature', '°F', 104, 40],
    ['temperature', 'K', 313.15, 40],
    ['flow', 'LPM', 50.88, 50.88],
    ['flow', 'GPM', 10, 37.85411784],
    ['flow', 'm³/h', 6, 100],
    ['power', 'W', 96_000, 96],
    ['power', 'kW', 96, 96],
    ['pressure', 'psi', 10, 68.94757293],
    ['pressure', 'bar', 1.5, 150],
    ['percent', '%', 44, 44],
  ])('converts %s %s', (q, unit, v, expected) => {
    const r = toHallwatchUnit(q, unit, v);
    expect(r.ok && r.value).toBeCloseTo(expected, 6);
  });

  it.each<[Quantity, string | null]>([
    ['temperature', 'kPa'],
    ['flow', 'furlongs/fortnight'],
    ['power', null],
  ])('refuses %s in %j by name', (q, unit) => {
    const r = toHallwatchUnit(q, unit, 1);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toContain(`engUnit ${JSON.stringify(unit)} is not a ${q} unit`);
  });
});

describe('DSX point mapping', () => {
  const cdu = (pointType: string, processArea: string[], extra: Record<string, unknown> = {}) =>
    meta({ objectType: 'CDU', pointType, objectId: 'C-F00-CDU-05', engUnit: 'C', processArea, ...extra });
  it.each([
    [
      'rack supply', meta({ objectType: 'Rack', pointType: 'RackLiquidSupplyTemperature', engUnit: 'C', rackLocationId: 'Pod1C-E02' }),
      { kind: 'rack', rackId: 'Pod1C-E02', field: 'supplyC' },
    ],
    [
      'rack power', meta({ objectType: 'Rack', pointType: 'RackPower', engUnit: 'kW', rackLocationId: 'Pod1C-E01' }),
      { kind: 'rack', field: 'rackKw', quantity: 'power' },
    ],
    [
      'rack leak', meta({ objectType: 'Rack', pointType: 'RackLeakDetect', rackLocationId: 'Pod1C-E02', stateText: [{ value: 1, text: 'Leak' }] }),
      { kind: 'rack', field: 'leak', quantity: null },
    ],
    [
      'rack dp setpoint',
      meta({ objectType: 'Rack', pointType: 'RackLiquidDifferentialPressureSp', engUnit: 'kPa', rackLocationId: 'Pod1C-E02', isSetpoint: true }),
      { kind: 'ignored' },
    ],
    ['CDU secondary supply', cdu('LiquidTemperature', ['Secondary', 'Supply']), { kind: 'cdu', field: 'supplyC' }],
    ['CDU secondary return', cdu('LiquidTemperature', ['Secondary', 'Return']), { kind: 'cdu', field: 'returnC' }],
    ['CDU facility supply', cdu('LiquidTemperature', ['Primary', 'Inlet']), { kind: 'cdu', field: 'facilitySupplyC' }],
    ['CDU facility return', cdu('LiquidTemperature', ['Primary', 'Outlet']), { kind: 'cdu', field: 'facilityReturnC' }],
    ['CDU supply setpoint', cdu('LiquidTemperature', ['Secondary', 'Supply'], { isSetpoint: true }), { kind: 'ignored', why: 'a setpoint, not a reading' }],
    ['CDU secondary flow, spelt as on the exemplar bus', cdu('LiquidFlow', ['Seccondary'], { engUnit: 'LPM' }), { kind: 'cdu', field: 'flowLpm' }],
    ['CDU primary flow', cdu('LiquidFlow', ['Primary'], { engUnit: 'LPM' }), { kind: 'ignored' }],
    ['CDU pump speed', cdu('PumpSpeed', ['Secondary'], { engUnit: '%' }), { kind: 'cdu', field: 'pumpPct' }],
    [
      'CDU fill pump state',
      meta({ objectType: 'CDU', pointType: 'PumpSpeed', objectId: 'x', processArea: ['Fill'], stateText: [{ value: 0, text: 'Off' }] }),
      { kind: 'ignored' },
    ],
    ['CDU filter dp', cdu('LiquidDifferentialPressure', ['Secondary', 'Filter1'], { engUnit: 'kPa' }), { kind: 'ignored' }],
    ['BMS heartbeat', meta({ objectType: 'System', pointType: 'HeartbeatTimestampBms', objectId: 'BMS' }), { kind: 'heartbeat' }],
    ['an air sensor', meta({ objectType: 'Sensor', pointType: 'AirTemperature', engUnit: 'C' }), { kind: 'ignored' }],
  ])('%s', (_why, m, expected) => expect(mapPoint(m)).toMatchObject(expected));
});

describe('DsxPoints: values through their metadata', () => {
  // The exemplar's pod as discovered, so the rack and CDU IDs are the bus's own.
  const discovered = () => {
    const points = collect(parseRecording(EXEMPLAR));
    const s = parseSite(JSON.parse(JSON.stringify(discoverSite(points).site)));
    if (!s.ok) throw new Error(s.message);
    return buildSiteIndex(s.value);
  };
  const site = discovered();
  const T = 'BMS/v1/PUB/%s/Rack/RackLiquidReturnTemperature/nvidia/titan/pod1C/rowE/rack02/energyValve/returnTemperature/feedback/value';
  const M = JSON.stringify({ objectType: 'Rack', pointType: 'RackLiquidReturnTemperature', engUnit: 'F', rackLocationId: 'Pod1C-E02' });
  const val = (value: unknown, quality = 1, timestamp: unknown = NOW) => JSON.stringify({ value, timestamp, quality });
  const one = (o: DsxOutcome[]) => o[o.length - 1];

  it('holds a value that comes before its metadata, then reads it in the metadata\'s unit', () => {
    const p = new DsxPoints(site, 'BMS/v1');
    expect(one(p.handle(T.replace('%s', 'Value'), val(107.6), NOW))).toMatchObject({ ok: true, kind: 'pending' });
    expect(p.pendingCount).toBe(1);
    const out = p.handle(T.replace('%s', 'Metadata'), M, NOW + 10);
    expect(out[0]).toMatchObject({ kind: 'metadata' });
    const r = out[1];
    expect(r).toMatchObject({ ok: true, kind: 'rack', index: site.rackIndexById.get('Pod1C-E02') });
    if (r.ok && r.kind === 'rack') {
      expect(r.sample.returnC).toBeCloseTo(42, 6);
      expect(r.sample.supplyC).toBeNaN();
    }
    expect(p.pendingCount).toBe(0);
  });

  it.each([
    ['quality 0', val(107.6, 0), 'bad_quality', /quality 0 \(only 1 is good\)/],
    ['a null value', val(null), 'null_value', /value is null/],
    ['a string value', val('hot'), 'bad_value', /value must be a finite number or null/],
    ['seconds for a timestamp', val(1, 1, 'yesterday'), 'bad_value', /timestamp must be epoch milliseconds/],
    ['not JSON', '{', 'bad_json', /not valid JSON/],
  ])('refuses %s by reason', (_why, payload, reason, message) => {
    const p = new DsxPoints(site, 'BMS/v1');
    p.handle(T.replace('%s', 'Metadata'), M, NOW);
    const o = one(p.handle(T.replace('%s', 'Value'), payload, NOW));
    expect(o).toMatchObject({ ok: false, reason });
    if (!o.ok) expect(o.message).toMatch(message);
  });

  it('refuses a unit it cannot convert, naming it', () => {
    const p = new DsxPoints(site, 'BMS/v1');
    const metadata = { objectType: 'Rack', pointType: 'RackLiquidReturnTemperature', engUnit: 'Réaumur', rackLocationId: 'Pod1C-E02' };
    p.handle(T.replace('%s', 'Metadata'), JSON.stringify(metadata), NOW);
    expect(one(p.handle(T.replace('%s', 'Value'), val(30), NOW)))
      .toMatchObject({ ok: false, reason: 'unknown_unit', message: expect.stringContaining('engUnit "Réaumur"') });
  });

  it('refuses points of racks the site does not have', () => {
    const p = new DsxPoints(site, 'BMS/v1');
    const metadata = { objectType: 'Rack', pointType: 'RackPower', engUnit: 'kW', rackLocationId: 'Pod1C-Z99' };
    p.handle(T.replace('%s', 'Metadata').replace('rack02', 'rack99'), JSON.stringify(metadata), NOW);
    expect(one(p.handle(T.replace('%s', 'Value').replace('rack02', 'rack99'), val(80), NOW)))
      .toMatchObject({ ok: false, reason: 'unknown_rack', message: expect.stringContaining('"Pod1C-Z99" is not in the site') });
  });

  it('drops a value whose metadata never comes, after the wait, and bounds how many wait', () => {
    const p = new DsxPoints(site, 'BMS/v1', 2, 30_000);
    for (const k of [1, 2, 3]) {
      const o = one(p.handle(`BMS/v1/PUB/Value/Rack/RackPower/x/rack${k}`, val(80), NOW));
      expect(o.ok).toBe(k <= 2);
    }
    expect(p.expire(NOW + 29_000)).toEqual([]);
    expect(p.expire(NOW + 30_000).map((o) => !o.ok && o.reason)).toEqual(['no_metadata', 'no_metadata']);
    expect(p.pendingCount).toBe(0);
  });

  it('merges a rack\'s points into one reading, newest timestamp, never going back', () => {
    const p = new DsxPoints(site, 'BMS/v1');
    const point = (type: string, unit: string, value: number, ts: number) => {
      const topic = `BMS/v1/PUB/%s/Rack/${type}/pod1C/rowE/rack03/x`;
      p.handle(topic.replace('%s', 'Metadata'), JSON.stringify({ objectType: 'Rack', pointType: type, engUnit: unit, rackLocationId: 'Pod1C-E03' }), NOW);
      return one(p.handle(topic.replace('%s', 'Value'), val(value, 1, ts), NOW));
    };
    point('RackLiquidSupplyTemperature', 'C', 32, NOW);
    point('RackLiquidReturnTemperature', 'C', 42, NOW + 500);
    const r = point('RackLiquidFlow', 'LPM', 50, NOW + 200);
    expect(r).toMatchObject({ ok: true, kind: 'rack', sample: { supplyC: 32, returnC: 42, flowLpm: 50, ts: NOW + 501 } });
  });
});

/** Metadata points and latest values from recorded messages, as `npm run site -- --from-dsx` reads them. */
function collect(messages: { topic: string; payload: string }[]): DiscoveredPoint[] {
  const points = new Map<string, DiscoveredPoint>();
  const values = new Map<string, number>();
  for (const m of messages) {
    const t = parseDsxTopic('BMS/v1', m.topic);
    if (!t) continue;
    const json = JSON.parse(stamp(m.payload, NOW));
    if (t.kind === 'Metadata') points.set(t.pointKey, { tagPath: t.tagPath, meta: meta(json) });
    else if (typeof json.value === 'number') values.set(t.pointKey, json.value);
  }
  for (const [k, p] of points) if (values.has(k)) p.value = values.get(k);
  return [...points.values()];
}

describe('discovery from the exemplar recording', () => {
  it.each([
    ['0s', 0],
    ['3.4731ms', 3.4731],
    ['1.908793s', 1908.793],
    ['1m39.3675441s', 99_367.5441],
    ['soon', Number.NaN],
  ])('reads offset %s', (text, ms) => (Number.isNaN(ms) ? expect(parseOffsetMs(text)).toBeNaN() : expect(parseOffsetMs(text)).toBeCloseTo(ms, 6)));

  it('finds the pod\'s racks in their row and position, and the CDU with the racks it serves', () => {
    const d = discoverSite(collect(parseRecording(EXEMPLAR)), 'pod');
    const s = parseSite(JSON.parse(JSON.stringify(d.site)));
    expect(s.ok).toBe(true);
    if (!s.ok) return;
    const hall = s.value.halls[0];
    expect(hall.id).toBe('pod1C');
    expect(hall.rows.map((r) => r.id)).toEqual(['pod1C-rowE']);
    const positions = ['Pod1C-E01@1', 'Pod1C-E02@2', 'Pod1C-E03@3', 'Pod1C-E04@4', 'Pod1C-E05@5', 'Pod1C-E06@6'];
    expect(hall.rows[0].racks.map((r) => `${r.id}@${r.position}`)).toEqual(positions);
    expect(hall.cdus).toHaveLength(1);
    expect(hall.cdus[0]).toMatchObject({ id: 'C-F00-CDU-05', rackIds: ['Pod1C-E02', 'Pod1C-E03', 'Pod1C-E04', 'Pod1C-E05', 'Pod1C-E06'] });
    // What the bus does not say stays unknown, and is listed for a person.
    expect(hall.cdus[0].capacityKw).toBeNaN();
    expect(hall.cdus[0].ratedFlowLpm).toBeNaN();
    expect(hall.supplySetpointC).toBe(32);
    expect(d.todo.join('\n')).toMatch(/C-F00-CDU-05: capacityKw and ratedFlowLpm unknown/);
    expect(d.todo.join('\n')).toMatch(/serves 5 rack\(s\) with no rack points on the bus \(Pod1C-F02/);
    expect(d.todo.join('\n')).toMatch(/rack type: GB300 NVL72 assumed/);
  });
});
