import { describe, expect, it } from 'vitest';
import { PointFormat } from '../../server/history/line-protocol.ts';
import { PointWriter } from '../../server/history/raw-points.ts';
import { Recorder } from '../../server/history/recorder.ts';
import { MemoryWindow } from '../../server/history/memory-window.ts';
import { siteSeries } from '../../server/history/recorder-series.ts';
import { LiveState } from '../../server/state/live-state.ts';
import { buildSiteIndex } from '../../server/site/site-index.ts';
import { generateSite } from '../../simulators/generate-site.ts';
import type { InfluxWriter } from '../../server/history/influx-writer.ts';

const T = 1_800_000_000_000;
const NaN_ = Number.NaN;

describe('a raw point (--history-raw-format points)', () => {
  const tags = { rack: 'k1', hall: 'h1', row: 'r1' };
  const keys = ['rack_kw', 'return_c', 'leak'];
  it.each([
    { name: 'tags sorted, every value', tags, values: [135, 50.5, 0], tsMs: T, line: `rack,hall=h1,rack=k1,row=r1 rack_kw=135,return_c=50.5,leak=0 ${T}` },
    { name: 'whole numbers stay floats: no i suffix', tags, values: [42, 40, 1], tsMs: T, line: `rack,hall=h1,rack=k1,row=r1 rack_kw=42,return_c=40,leak=1 ${T}` },
    { name: '3 decimals, as blocks and the memory window keep them', tags, values: [12.34567, -0.0004, 0.1 + 0.2], tsMs: T, line: `rack,hall=h1,rack=k1,row=r1 rack_kw=12.346,return_c=0,leak=0.3 ${T}` },
    { name: 'negative values', tags, values: [-1.5, -40, 0], tsMs: T, line: `rack,hall=h1,rack=k1,row=r1 rack_kw=-1.5,return_c=-40,leak=0 ${T}` },
    { name: 'NaN left out (a missing value)', tags, values: [NaN_, 50.5, 0], tsMs: T, line: `rack,hall=h1,rack=k1,row=r1 return_c=50.5,leak=0 ${T}` },
    { name: '±Infinity left out', tags, values: [Number.POSITIVE_INFINITY, 50, Number.NEGATIVE_INFINITY], tsMs: T, line: `rack,hall=h1,rack=k1,row=r1 return_c=50 ${T}` },
    { name: 'the first value missing: no leading comma', tags, values: [NaN_, NaN_, 1], tsMs: T, line: `rack,hall=h1,rack=k1,row=r1 leak=1 ${T}` },
    { name: 'no value: no point', tags, values: [NaN_, NaN_, NaN_], tsMs: T, line: null },
    { name: 'no time: no point', tags, values: [1, 2, 3], tsMs: NaN_, line: null },
    { name: 'a fractional time rounds to its millisecond', tags, values: [1, 2, 3], tsMs: T + 0.6, line: `rack,hall=h1,rack=k1,row=r1 rack_kw=1,return_c=2,leak=3 ${T + 1}` },
    {
      name: 'spaces, commas and equals signs in tags escaped; empty tags left out',
      tags: { rack: 'a,b=c', hall: 'h 1', row: '' }, values: [1, NaN_, NaN_], tsMs: T, line: `rack,hall=h\\ 1,rack=a\\,b\\=c rack_kw=1 ${T}`,
    },
    { name: 'a backslash or newline cannot end a tag', tags: { rack: 'end\\', hall: 'new\nline' }, values: [1, NaN_, NaN_], tsMs: T, line: `rack,hall=new\\ line,rack=end/ rack_kw=1 ${T}` },
  ])('$name', ({ tags: t, values, tsMs, line }) => {
    expect(new PointFormat('rack', t, keys, true).line(values, tsMs)).toBe(line);
  });

  it('escapes the measurement and field keys', () => {
    expect(new PointFormat('my rack,x', { id: 'a' }, ['k,1', 'k 2', 'k=3'], true).line([1, 2, 3], 5)).toBe('my\\ rack\\,x,id=a k\\,1=1,k\\ 2=2,k\\=3=3 5');
  });
});

describe('PointWriter', () => {
  const site = buildSiteIndex(generateSite({ halls: 1, rows: 1, racksPerRow: 2, racksPerCdu: 2 }));
  const lines = () => {
    const out: [string, string][] = [];
    return { out, sink: { write: (rp: string, ls: string[]) => ls.forEach((l) => out.push([rp, l])) } };
  };

  it('writes each sample at once as a point of the raw tier in the base measurement; nothing waits', () => {
    const { out, sink } = lines();
    const w = new PointWriter(sink);
    const { rack } = siteSeries(site);
    const v = new Float64Array(16).fill(Number.NaN);
    v[0] = 130;
    w.add(rack, 0, T, v);
    w.flush();
    w.markOpenPartial();
    w.writeLate(rack, 1, T - 5000, v);
    const [r0, r1] = [site.racks[0], site.racks[1]];
    expect(out).toEqual([
      ['raw', `rack,hall=${r0.hallId},rack=${r0.id},row=${r0.rowId} rack_kw=130 ${T}`],
      ['raw', `rack,hall=${r1.hallId},rack=${r1.id},row=${r1.rowId} rack_kw=130 ${T - 5000}`],
    ]);
  });

  it.each([
    { format: 'points' as const, measurements: ['rack'], waiting: 0 },
    { format: 'blocks' as const, measurements: [], waiting: 3 },
  ])('a recorder with --history-raw-format $format writes racks\' samples to $measurements at once', ({ format, measurements, waiting }) => {
    const state = new LiveState(site, 3000);
    const written: string[] = [];
    const writer = { write: (_rp: string, ls: string[]) => written.push(...ls) } as unknown as InfluxWriter;
    const rec = new Recorder({ state, writer, memory: new MemoryWindow(60), clock: () => T + 3000, rawFormat: format });
    rec.start();
    try {
      for (let k = 0; k < 3; k++) state.applyRack(0, { ts: T + k * 1000, rackKw: 120 + k, supplyC: 40, returnC: 50, flowLpm: 180 }, T + k * 1000);
      expect([...new Set(written.map((l) => l.split(',')[0]))]).toEqual(measurements);
      expect(rec.openSamples().find((o) => o.kind === 'rack')!.samples).toBe(waiting);
      if (format === 'points') expect(written.map((l) => /rack_kw=(\d+)/.exec(l)![1])).toEqual(['120', '121', '122']);
    } finally {
      rec.stop();
    }
  });
});
