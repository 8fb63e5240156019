import { describe, expect, it } from 'vitest';
import { parseDurationMs, parseTimeMs } from '../../protocol/time.ts';
import { resolveRange } from '../../web/src/lib/time-range.ts';

const NOW = Date.UTC(2026, 5, 1, 12, 0, 0);

describe('parseDurationMs()', () => {
  it.each([
    ['250ms', 250],
    ['30s', 30_000],
    ['15m', 900_000],
    ['1.5h', 5_400_000],
    ['7d', 604_800_000],
    ['104w', 104 * 604_800_000],
    ['0s', 0],
    ['', null],
    ['6', null],
    ['h', null],
    ['.5h', null],
    ['-1h', null],
    ['1 h', null],
    ['6H', null],
    ['6y', null],
    ['INF', null],
  ])('reads %j as %j', (text, ms) => {
    expect(parseDurationMs(text)).toBe(ms);
  });
});

describe('parseTimeMs() on the server and in the dashboard alike', () => {
  it.each([
    ['now', NOW],
    ['now-6h', NOW - 6 * 3_600_000],
    ['now-1.5h', NOW - 5_400_000],
    ['now-250ms', NOW - 250],
    ['now-2w', NOW - 1_209_600_000],
    ['1780000000000', 1_780_000_000_000],
    ['1780000000', 1_780_000_000],
    ['2026-06-01T11:00:00Z', NOW - 3_600_000],
    ['now-', null],
    ['now-6', null],
    ['now+6h', null],
    ['now - 6h', null],
    ['yesterday', null],
  ])('reads %j as %j', (text, ms) => {
    expect(parseTimeMs(text, NOW)).toBe(ms);
  });

  it.each([
    [{ from: 'now-250ms', to: 'now' }, { fromMs: NOW - 250, toMs: NOW }],
    [{ from: 'now-1.5h', to: 'now-30m' }, { fromMs: NOW - 5_400_000, toMs: NOW - 1_800_000 }],
    [{ from: 'now', to: 'now-1h' }, null],
    [{ from: 'now-1x', to: 'now' }, null],
  ])('the drill-down resolves %j as %j', (range, expected) => {
    expect(resolveRange(range, NOW)).toEqual(expected);
  });
});
