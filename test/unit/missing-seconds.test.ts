import { describe, expect, it } from 'vitest';
import { missingSeconds } from '../../bench/chaos/missing-seconds.ts';

/** Samples every `stepMs` from `startMs`, `count` of them, without those at the listed indexes. */
function series(startMs: number, count: number, stepMs = 1000, without: number[] = []): number[] {
  return Array.from({ length: count }, (_, k) => startMs + k * stepMs).filter((_, k) => !without.includes(k));
}

describe('missingSeconds', () => {
  const cases: { name: string; tsMs: number[]; fromMs: number; toMs: number; lost: number }[] = [
    { name: 'every second stored, reaching past both edges', tsMs: series(-3000, 25), fromMs: 0, toMs: 18_000, lost: 0 },
    { name: 'a window starting 1 ms after a sample of a drifting tick', tsMs: series(-3001, 25, 1001), fromMs: 0, toMs: 18_000, lost: 0 },
    { name: 'a window ending 1 ms before a sample of a drifting tick', tsMs: series(-2000, 25, 1001), fromMs: 0, toMs: 17_018, lost: 0 },
    { name: 'one second missing inside', tsMs: series(-3000, 25, 1000, [8]), fromMs: 0, toMs: 18_000, lost: 1 },
    { name: 'nine seconds missing inside (a kill)', tsMs: series(-3000, 25, 1000, [7, 8, 9, 10, 11, 12, 13, 14, 15]), fromMs: 0, toMs: 18_000, lost: 9 },
    { name: 'a gap straddling the start counts only its seconds inside', tsMs: series(-3000, 25, 1000, [1, 2, 3, 4]), fromMs: 0, toMs: 18_000, lost: 2 },
    { name: 'a gap straddling the end counts only its seconds inside', tsMs: series(-3000, 25, 1000, [19, 20, 21, 22]), fromMs: 0, toMs: 18_000, lost: 2 },
    { name: 'the first sample the window holds is 3 s in, nothing before it', tsMs: series(3000, 20), fromMs: 0, toMs: 18_000, lost: 3 },
    { name: 'the last sample is 4.5 s before the end, nothing after it', tsMs: series(-2500, 17), fromMs: 0, toMs: 18_000, lost: 4 },
    { name: 'the last sample is 5 s before the end (the next due is at the end, outside)', tsMs: series(-3000, 17), fromMs: 0, toMs: 18_000, lost: 4 },
    { name: 'nothing stored', tsMs: [], fromMs: 0, toMs: 18_000, lost: 18 },
    { name: 'only samples before the window', tsMs: series(-5000, 3), fromMs: 0, toMs: 10_000, lost: 10 },
    {
      name: 'a redelivery stored twice is no gap',
      tsMs: [...series(-3000, 12), 8000, ...series(9000, 13)].sort((a, b) => a - b), fromMs: 0, toMs: 18_000, lost: 0,
    },
  ];
  it.each(cases)('$name → $lost', ({ tsMs, fromMs, toMs, lost }) => {
    expect(missingSeconds(tsMs, fromMs, toMs)).toBe(lost);
  });
});
