import { describe, expect, it } from 'vitest';
import { reconnectDelayMs, RETRY_CAP_MS } from '../../web/src/lib/backoff.ts';

describe('reconnectDelayMs()', () => {
  it.each<[number, number, number]>([
    // attempt, random, delay
    [0, 0, 125],
    [0, 0.999, 250],
    [1, 0, 250],
    [2, 0.5, 750],
    [3, 0, 1000],
    [4, 0, 1000],
    [4, 0.999, 1999],
    [50, 0.999, 1999],
    [-1, 0, 125],
  ])('attempt %d with random %d waits %d ms', (attempt, r, ms) => {
    expect(reconnectDelayMs(attempt, () => r)).toBe(ms);
  });

  it('never waits longer than the cap, and the first four tries take at most 4 s together', () => {
    const worst = () => 0.999999;
    expect([0, 1, 2, 3].reduce((s, a) => s + reconnectDelayMs(a, worst), 0)).toBeLessThanOrEqual(3750);
    for (let a = 0; a < 100; a++) expect(reconnectDelayMs(a)).toBeLessThanOrEqual(RETRY_CAP_MS);
  });

  it('spreads a hundred clients cut at once over the first try\'s window', () => {
    const delays = Array.from({ length: 100 }, () => reconnectDelayMs(0));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(125);
    expect(new Set(delays).size).toBeGreaterThan(20);
  });
});
