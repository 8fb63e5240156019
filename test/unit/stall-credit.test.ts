import { describe, expect, it } from 'vitest';
import { StallCredit } from '../../server/state/stall-credit.ts';

describe('StallCredit', () => {
  // Refreshes at these times, then the age of a sample received at `receivedMs`, asked at the last one.
  it.each<[string, number[], number, number]>([
    ['refreshes every 100 ms: the plain age', [0, 100, 200, 300], 100, 200],
    ['a 900 ms pause is no stall', [0, 100, 1000], 100, 900],
    ['a 5 s stall: a sample from before it ages by the time the process ran', [0, 100, 5100], 50, 5050 - 5000],
    ['a sample received after the stall: the plain age', [0, 100, 5100, 5200, 6200], 5150, 1050],
    ['a sample from before a stall keeps aging after it', [0, 100, 5100, 5200, 5300], 50, 5250 - 5000],
    ['only the last stall counts', [0, 2000, 2100, 5100], 1000, 4100 - 3000],
  ])('%s', (_what, refreshes, receivedMs, ageMs) => {
    const c = new StallCredit();
    for (const t of refreshes) c.observe(t);
    expect(c.ageMs(refreshes.at(-1)!, receivedMs)).toBe(ageMs);
  });
});
