import { describe, expect, it } from 'vitest';
import { IngestDelay } from '../../server/state/ingest-delay.ts';

const CAP_MS = 6000;
const T0 = 1_800_000_000_000;

/**
 * 100 samples a second for `seconds` s, the k-th of each second `ageOf(k, second)` ms old, with
 * refreshes every 100 ms (`gapOf(t)` overrides one's distance from the last); the credit after the last.
 */
function credit(seconds: number, ageOf: (k: number, s: number) => number | null, gapOf: (tMs: number) => number = () => 100): number {
  const d = new IngestDelay(CAP_MS);
  let t = T0;
  let c = 0;
  d.refreshed(t, 100);
  while (t < T0 + seconds * 1000) {
    t += gapOf(t - T0);
    const s = Math.floor((t - T0) / 1000);
    for (let k = 0; k < 10; k++) {
      const age = ageOf(Math.floor(((t - T0) % 1000) / 10) + k, s);
      if (age !== null) d.sample(age, t);
    }
    c = d.refreshed(t, 100);
  }
  return c;
}

describe('IngestDelay: what the stale threshold is raised by', () => {
  it.each<[string, number, (k: number, s: number) => number | null, ((t: number) => number) | undefined, [number, number]]>([
    ['a healthy ingest (samples 20 ms old): nothing', 10, () => 20, undefined, [0, 0]],
    ['samples up to 2.8 s late (p99), a busy host: the p99', 10, (k) => (k % 100) * 28.5, undefined, [2750, 2800]],
    ['one sample in 250 from a clock 60 s behind: not counted', 10, (k, s) => ((100 * s + k) % 250 === 0 ? 60_000 : 20), undefined, [0, 0]],
    ['samples 10 s late: the cap', 10, () => 10_000, undefined, [CAP_MS, CAP_MS]],
    ['late samples 12 s ago, on time since: forgotten', 20, (_k, s) => (s < 8 ? 2500 : 20), undefined, [0, 0]],
    ['late samples 8 s ago, on time since: still counted', 20, (_k, s) => (s < 12 ? 2500 : 20), undefined, [2500, 2500]],
    ['no sample for the last 10 s (the broker silent): nothing to credit', 20, (_k, s) => (s < 10 ? 20 : null), undefined, [0, 0]],
    ['a refresh 700 ms late: the event loop\'s lag', 10, () => 20, (t) => (t > 8800 && t < 9200 ? 800 : 100), [700, 700]],
    ['a 5 s stall: StallCredit\'s, not lag', 10, () => 20, (t) => (t > 8000 && t < 8200 ? 5000 : 100), [0, 0]],
  ])('%s', (_what, seconds, ageOf, gapOf, [min, max]) => {
    const c = credit(seconds, ageOf, gapOf);
    expect(c).toBeGreaterThanOrEqual(min);
    expect(c).toBeLessThanOrEqual(max);
  });

  it('reports the p99 age, the lag and the credit', () => {
    const d = new IngestDelay(CAP_MS);
    d.refreshed(T0, 100);
    for (let k = 0; k < 100; k++) d.sample(k * 10, T0 + 50);
    d.refreshed(T0 + 400, 100);
    expect(d.facts(T0 + 400)).toEqual({ sampleAgeP99Ms: 950, loopLagMs: 300, creditMs: 950, capMs: CAP_MS });
  });
});
