import { describe, expect, it } from 'vitest';
import {
  criticalCycle, criticalPages, pagesKey, screensOf, wallRotation, type CriticalCycle, type RotationInput, type Screen,
} from '../../web/src/wall/rotation.ts';

const HALLS = ['hall-1', 'hall-2', 'hall-3'];

/** A wall of `HALLS`, `per` to a screen, 30 s per screen, 10 s per critical page. */
const input = (over: Partial<RotationInput> & { per?: number }): RotationInput => {
  const { per = 1, ...rest } = over;
  return {
    screens: screensOf(HALLS, per, 'return'), rotateS: 30, elapsedMs: 0,
    criticalHalls: [], criticalPerScreen: per, dwellS: 10, criticalElapsedMs: 0, ...rest,
  };
};

describe('wallRotation() without critical incidents', () => {
  it.each<[string, Partial<RotationInput> & { per?: number }, object]>([
    ['first screen at start', {}, { screen: 0, halls: ['hall-1'], critical: false, paused: false, nextInMs: 30_000 }],
    ['second screen after one period', { elapsedMs: 31_000 }, { screen: 1, halls: ['hall-2'], nextInMs: 29_000 }],
    ['wraps around', { elapsedMs: 95_000 }, { screen: 0, halls: ['hall-1'] }],
    ['a clock a little behind the start time', { elapsedMs: -3 }, { screen: 0, halls: ['hall-1'], nextInMs: 30_000 }],
    ['no rotation when rotateS is 0', { elapsedMs: 500_000, rotateS: 0 }, { screen: 0, paused: false, nextInMs: null }],
    ['two halls per screen', { elapsedMs: 31_000, per: 2 }, { screen: 1, screens: 2, halls: ['hall-3'] }],
    ['ignores critical halls not on this wall', { elapsedMs: 31_000, criticalHalls: ['hall-9'] }, { screen: 1, halls: ['hall-2'], critical: false }],
    ['nothing to show', { screens: [] }, { screen: 0, screens: 1, halls: [], nextInMs: null }],
  ])('%s', (_name, over, expected) => expect(wallRotation(input(over))).toMatchObject(expected));
});

describe('wallRotation() while critical incidents are open', () => {
  it.each<[string, Partial<RotationInput> & { per?: number }, object]>([
    [
      'holds on the only critical hall, whatever the rotation clock says',
      { elapsedMs: 31_000, criticalElapsedMs: 95_000, criticalHalls: ['hall-3'] },
      { screen: 0, screens: 1, halls: ['hall-3'], critical: true, paused: true, nextInMs: null },
    ],
    [
      'two critical halls one per screen: the newest first, for one dwell',
      { criticalHalls: ['hall-3', 'hall-1'], criticalElapsedMs: 9_000 },
      { screen: 0, screens: 2, halls: ['hall-3'], critical: true, paused: false, nextInMs: 1_000 },
    ],
    ['then the other one', { criticalHalls: ['hall-3', 'hall-1'], criticalElapsedMs: 10_000 }, { screen: 1, halls: ['hall-1'], nextInMs: 10_000 }],
    ['and back', { criticalHalls: ['hall-3', 'hall-1'], criticalElapsedMs: 21_000 }, { screen: 0, halls: ['hall-3'] }],
    [
      'a hall with several criticals counts once',
      { criticalHalls: ['hall-3', 'hall-3', 'hall-1', 'hall-3'], criticalElapsedMs: 10_000 },
      { screen: 1, screens: 2, halls: ['hall-1'] },
    ],
    [
      'critical halls that fit on one screen are shown together in the wall\'s order, even if their normal screens differ',
      { per: 2, criticalHalls: ['hall-3', 'hall-1'], criticalElapsedMs: 40_000 },
      { screen: 0, screens: 1, halls: ['hall-1', 'hall-3'], paused: true, nextInMs: null },
    ],
    [
      'one critical hall alone, not with the rest of its normal screen',
      { per: 2, criticalHalls: ['hall-2'] },
      { halls: ['hall-2'], paused: true },
    ],
    [
      'more critical halls than fit: pages of them alternate',
      { per: 2, criticalHalls: ['hall-2', 'hall-3', 'hall-1'], criticalElapsedMs: 12_000 },
      { screen: 1, screens: 2, halls: ['hall-1'], paused: false, nextInMs: 8_000 },
    ],
    ['alternates even when the wall does not rotate', { rotateS: 0, criticalHalls: ['hall-1', 'hall-2'], criticalElapsedMs: 10_000 }, { halls: ['hall-2'] }],
    ['a critical hall not on this wall is left out', { criticalHalls: ['hall-9', 'hall-2'] }, { screens: 1, halls: ['hall-2'], paused: true }],
    ['a clock a little behind the cycle start', { criticalHalls: ['hall-1', 'hall-2'], criticalElapsedMs: -3 }, { screen: 0, halls: ['hall-1'], nextInMs: 10_000 }],
  ])('%s', (_name, over, expected) => expect(wallRotation(input(over))).toMatchObject(expected));

  it('colours each page by the metric of the first view holding its first hall', () => {
    const screens: Screen[] = [...screensOf(['hall-1', 'hall-2'], 2, 'return'), ...screensOf(['hall-2', 'hall-3'], 1, 'flow')];
    expect(criticalPages(screens, ['hall-3', 'hall-1'], 1)).toEqual([{ halls: ['hall-3'], metric: 'flow' }, { halls: ['hall-1'], metric: 'return' }]);
    expect(criticalPages(screens, ['hall-3', 'hall-2', 'hall-1'], 2)).toEqual([
      { halls: ['hall-2', 'hall-3'], metric: 'return' },
      { halls: ['hall-1'], metric: 'return' },
    ]);
    expect(wallRotation({ ...input({}), screens, criticalHalls: ['hall-2'] })).toMatchObject({ halls: ['hall-2'], metric: 'return' });
  });
});

describe('criticalCycle()', () => {
  it.each<[string, CriticalCycle | null, string, number, CriticalCycle]>([
    ['starts when the first critical page appears', null, 'hall-3', 5_000, { key: 'hall-3', sinceMs: 5_000 }],
    ['keeps its start while the pages stay the same', { key: 'hall-3|hall-1', sinceMs: 5_000 }, 'hall-3|hall-1', 60_000, { key: 'hall-3|hall-1', sinceMs: 5_000 }],
    ['starts again when a hall joins', { key: 'hall-3', sinceMs: 5_000 }, 'hall-1|hall-3', 60_000, { key: 'hall-1|hall-3', sinceMs: 60_000 }],
    ['starts again when the newest changes', { key: 'hall-3|hall-1', sinceMs: 5_000 }, 'hall-1|hall-3', 60_000, { key: 'hall-1|hall-3', sinceMs: 60_000 }],
  ])('%s', (_name, prev, key, nowMs, expected) => expect(criticalCycle(prev, key, nowMs)).toEqual(expected));

  it('shows a hall that turns critical at once, then alternates, then rotates normally when all close', () => {
    // The wall's loop: one call per tick, the open criticals' halls newest first at each tick.
    const screens = screensOf(['hall-1', 'hall-2', 'hall-3', 'hall-4'], 2, 'return');
    let cycle: CriticalCycle | null = null;
    const at = (nowMs: number, criticalHalls: string[]) => {
      cycle = criticalCycle(cycle, pagesKey(criticalPages(screens, criticalHalls, 1)), nowMs);
      const r = wallRotation({ screens, rotateS: 30, elapsedMs: nowMs, criticalHalls, criticalPerScreen: 1, dwellS: 10, criticalElapsedMs: nowMs - cycle.sinceMs });
      return r.halls.join(',');
    };
    expect([0, 31_000].map((t) => at(t, []))).toEqual(['hall-1,hall-2', 'hall-3,hall-4']);
    expect([40_000, 55_000].map((t) => at(t, ['hall-3']))).toEqual(['hall-3', 'hall-3']);
    // Hall 1 trips 3 s into what would have been hall 3's second dwell: it is shown at once.
    expect([58_000, 67_000, 68_000, 78_000].map((t) => at(t, ['hall-1', 'hall-3']))).toEqual(['hall-1', 'hall-1', 'hall-3', 'hall-1']);
    expect(at(80_000, [])).toBe('hall-1,hall-2');
  });
});
