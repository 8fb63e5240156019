import { describe, expect, it } from 'vitest';
import { LeaderLines, type LeaderLinesOptions } from '../../server/history/leader-lines.ts';
import type { Tier } from '../../server/history/schema.ts';
import { buildSiteIndex } from '../../server/site/site-index.ts';
import { generateSite } from '../../simulators/generate-site.ts';
import { LiveState } from '../../server/state/live-state.ts';
import { MemoryWindow } from '../../server/history/memory-window.ts';
import { Recorder } from '../../server/history/recorder.ts';
import type { InfluxWriter } from '../../server/history/influx-writer.ts';

function gate(over: Partial<LeaderLinesOptions> = {}) {
  const out: [Tier, string][] = [];
  let nowMs = 1_000_000;
  let leader = false;
  const g = new LeaderLines({ write: (tier, lines) => lines.forEach((l) => out.push([tier, l])) }, {
    writes: () => leader, clock: () => nowMs, holdMs: 60_000, maxHeldLines: 1000, releasePerTick: 2, ...over,
  });
  return { g, out, at: (ms: number) => (nowMs = ms), lead: (v: boolean) => (leader = v) };
}

describe('LeaderLines', () => {
  it('passes a leader\'s lines straight through, in order', () => {
    const { g, out, lead } = gate();
    lead(true);
    g.write('m1', ['a']);
    g.write('h1', ['b', 'c']);
    expect(out).toEqual([['m1', 'a'], ['h1', 'b'], ['h1', 'c']]);
    expect(g.holding).toBe(0);
  });

  it('holds a standby\'s lines, and writes those of the last holdMs once it leads, a share per tick', () => {
    const { g, out, at, lead } = gate();
    at(1_000_000);
    g.write('m1', ['old']);
    at(1_050_000);
    g.write('m1', ['w1']);
    g.write('raw', ['t1', 't2']);
    g.tick();
    expect(out).toEqual([]);
    expect(g.holding).toBe(4);
    // Taking over 70 s after the first line: it is older than the 60 s hold and goes.
    at(1_070_000);
    g.tick();
    expect(g.holding).toBe(3);
    expect(g.dropped).toBe(1);
    lead(true);
    g.tick();
    expect(out).toEqual([['m1', 'w1'], ['raw', 't1'], ['raw', 't2']]);
    expect(g.holding).toBe(0);
  });

  it('releases a large hold over several ticks, with new lines going straight through meanwhile', () => {
    const { g, out, lead } = gate({ releasePerTick: 2 });
    for (let k = 0; k < 5; k++) g.write('m1', [`h${k}`]);
    lead(true);
    g.tick();
    expect(out.map((o) => o[1])).toEqual(['h0', 'h1']);
    g.write('m1', ['new']);
    g.tick();
    g.tick();
    expect(out.map((o) => o[1])).toEqual(['h0', 'h1', 'new', 'h2', 'h3', 'h4']);
  });

  it('keeps at most maxHeldLines, dropping the oldest and counting them', () => {
    const { g } = gate({ maxHeldLines: 3 });
    for (let k = 0; k < 5; k++) g.write('m1', [`h${k}`]);
    expect(g.holding).toBe(3);
    expect(g.dropped).toBe(2);
  });
});

describe('Recorder of a pair', () => {
  const site = buildSiteIndex(generateSite({ halls: 1, rows: 1, racksPerRow: 4, racksPerCdu: 2 }));
  const t0 = 1_800_000_000_000; // a whole minute

  function run(writesRollups?: () => boolean) {
    const state = new LiveState(site, 3000);
    const lines: string[] = [];
    let nowMs = t0;
    const writer = { write: (_tier: string, ls: string[]) => lines.push(...ls) } as unknown as InfluxWriter;
    const rec = new Recorder({ state, writer, memory: new MemoryWindow(600), clock: () => nowMs, blockMs: 10_000, writesRollups });
    rec.start();
    // 70 s of one sample a second per rack; the totals recorded every second; the first minute closes.
    for (let s = 0; s < 70; s++) {
      nowMs = t0 + s * 1000;
      for (let i = 0; i < site.racks.length; i++) state.applyRack(i, { ts: nowMs, rackKw: 100 + s, supplyC: 40, returnC: 48, flowLpm: 180 }, nowMs);
      state.refresh(nowMs);
      rec.recordTotals(nowMs);
      (rec as unknown as { everySecond(): void }).everySecond();
    }
    const measurements = () => new Set(lines.map((l) => l.slice(0, l.indexOf(','))));
    return { rec, lines, measurements, stop: () => rec.stop() };
  }

  it('writes everything as a single server (no hook)', () => {
    const r = run();
    expect([...r.measurements()].sort()).toEqual(['rack_1m', 'rack_block', 'totals_1m', 'totals_block']);
    r.stop();
  });

  it('as the standby writes the racks\' raw blocks only, holding rollups and totals, and writes them once it leads', () => {
    let leader = false;
    const r = run(() => leader);
    expect([...r.measurements()]).toEqual(['rack_block']);
    expect(r.rec.leaderHold().holding).toBeGreaterThan(0);
    leader = true;
    for (let k = 0; k < 20 && r.rec.leaderHold().holding > 0; k++) (r.rec as unknown as { everySecond(): void }).everySecond();
    expect([...r.measurements()].sort()).toEqual(['rack_1m', 'rack_block', 'totals_1m', 'totals_block']);
    // The first minute's rollup of every rack, once.
    expect(r.lines.filter((l) => l.startsWith('rack_1m,') && l.endsWith(` ${t0}`))).toHaveLength(site.racks.length);
    r.stop();
  });

  it('as a standby that stops, writes no partial rollup or totals', () => {
    const r = run(() => false);
    r.stop();
    expect([...r.measurements()]).toEqual(['rack_block']);
  });
});
