import { describe, expect, it } from 'vitest';
import { LiveState } from '../../server/state/live-state.ts';
import { buildSiteIndex } from '../../server/site/site-index.ts';
import { generateSite } from '../../simulators/generate-site.ts';
import { EntityState, RACK_COL as RC } from '../../protocol/stream.ts';

const T0 = 1_800_000_000_000;

/** Batch times, ms from the start: on time (each second) for 10 s, then further and further apart up to 3.2 s, until `untilMs`. */
function rampingBatches(untilMs: number): number[] {
  const out = [0, 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10_000, 11_600, 13_800, 16_600];
  while (out.at(-1)! + 3200 <= untilMs) out.push(out.at(-1)! + 3200);
  return out;
}

/**
 * 8 racks sampling once a second; the server takes their samples in at `batchesMs` (a busy host
 * reading its backlog in bursts) and refreshes every 100 ms. Rack 0 stops at `deadAtMs`. Returns,
 * per rack, the first time it was seen stale (NaN: never), when rack 0's last sample was taken
 * in, and the staleness facts at the end.
 */
function busyHost(batchesMs: number[], untilMs: number, deadAtMs = Number.POSITIVE_INFINITY) {
  const site = buildSiteIndex(generateSite({ halls: 1, rows: 2, racksPerRow: 4, racksPerCdu: 2 }));
  const s = new LiveState(site, 3000);
  const firstStaleMs = new Array<number>(site.racks.length).fill(Number.NaN);
  const batches = new Set(batchesMs);
  let nextTs = T0;
  for (let t = T0; t <= T0 + untilMs; t += 100) {
    if (batches.has(t - T0)) {
      for (; nextTs <= t; nextTs += 1000) {
        site.racks.forEach((_, i) => {
          if (i !== 0 || nextTs - T0 < deadAtMs) s.applyRack(i, { ts: nextTs, rackKw: 120, supplyC: 40, returnC: 48, flowLpm: 182 }, t);
        });
      }
    }
    s.refresh(t, ((t - T0) / 100) % 10, 10);
    site.racks.forEach((_, i) => {
      if (Number.isNaN(firstStaleMs[i]) && s.rackCols[RC.state][i] === EntityState.Stale) firstStaleMs[i] = t - T0;
    });
  }
  return { firstStaleMs, lastTakenMs: s.rackReceivedMs[0] - T0, facts: s.staleness.facts(T0 + untilMs) };
}

const everySecond = (untilMs: number) => Array.from({ length: untilMs / 1000 + 1 }, (_, k) => k * 1000);

describe('Staleness against this server\'s own delay', () => {
  it('keeps racks live while the server takes their samples in bursts further apart, up to 3.2 s (samples up to 3.2 s late), and says by how much', () => {
    const { firstStaleMs, facts } = busyHost(rampingBatches(60_000), 60_000);
    expect(firstStaleMs.filter((v) => !Number.isNaN(v))).toEqual([]);
    expect(facts.creditMs).toBeGreaterThan(2000);
    expect(facts.creditMs).toBeLessThanOrEqual(facts.capMs);
  });

  it('still marks a rack that really stopped stale, later by the credit', () => {
    const { firstStaleMs, lastTakenMs } = busyHost(rampingBatches(60_000), 60_000, 30_000);
    // Stale after 3 s plus the credit (at most 6 s) since its last sample was taken in.
    expect(firstStaleMs[0]).toBeGreaterThan(lastTakenMs + 3000);
    expect(firstStaleMs[0]).toBeLessThanOrEqual(lastTakenMs + 3000 + 6000 + 100);
    expect(firstStaleMs.slice(1).filter((v) => !Number.isNaN(v))).toEqual([]);
  });

  it('credits nothing to an ingest on time: a silent rack is stale after 3 s', () => {
    const { firstStaleMs, lastTakenMs, facts } = busyHost(everySecond(20_000), 20_000, 10_000);
    expect(facts.creditMs).toBe(0);
    expect(lastTakenMs).toBe(9000);
    expect(firstStaleMs[0]).toBeGreaterThan(9000 + 3000);
    expect(firstStaleMs[0]).toBe(9000 + 3000 + 100);
  });
});
