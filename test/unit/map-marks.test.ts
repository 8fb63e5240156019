import { describe, expect, it } from 'vitest';
import {
  INK_DARK, INK_LIGHT, MIN_GLYPH_PX, MIN_TEXT_PX, PULSE_PERIOD_MS, PULSE_STEPS, beaconScreenScale, beaconSize, inkOn, nameFontPx, pulsePhase, rowLabelPlan, shortName,
} from '../../web/src/lib/mark-plan.ts';
import { CARD, planOverview } from '../../web/src/lib/overview-grid.ts';
import { mergeBeacons } from '../../web/src/lib/draw-alarms.ts';
import { PALETTE } from '../../web/src/lib/color-scale.ts';
import { hallGrid, layoutHall } from '../../web/src/lib/hall-layout.ts';
import { buildSiteIndex } from '../../server/site/site-index.ts';
import { generateSite } from '../../simulators/generate-site.ts';

describe('row labels on the hall plan', () => {
  it.each([
    // rowPitchPx, cellHPx, fixedPx → font, every
    ['a 1 GW hall on a 1080p screen (the 6 px labels of old)', 20, 14, undefined, { fontPx: 11, every: 1 }],
    ['rows closer than a line of 11 px text: every second row', 10, 7, undefined, { fontPx: 11, every: 2 }],
    ['a 100-row hall unzoomed: every third row', 6, 4, undefined, { fontPx: 11, every: 3 }],
    ['zoomed until racks are 40 px high: the largest font, every row', 58, 40, undefined, { fontPx: 14, every: 1 }],
    ['between: the font follows the rack height', 30, 21, undefined, { fontPx: 12, every: 1 }],
    ['the wall keeps its own size', 60, 40, 28, { fontPx: 28, every: 1 }],
    ['the wall\'s size on close rows thins them too', 20, 14, 28, { fontPx: 28, every: 2 }],
  ])('%s', (_name, rowPitchPx, cellHPx, fixedPx, want) => {
    const plan = rowLabelPlan(rowPitchPx, cellHPx, fixedPx);
    expect(plan).toEqual(want);
    // Labels one line apart or more: never overlapping.
    expect(rowPitchPx * plan.every).toBeGreaterThanOrEqual(plan.fontPx * 1.25);
  });
});

describe('rack and CDU names in their tiles', () => {
  it.each([
    ['an unzoomed 1080p tile (32 × 14 px): no names', 32, 14, null],
    ['40 px wide but 32 px high: no room for a line in its upper half', 40, 32, null],
    ['40 px wide and 33 px high: the smallest legible font', 40, 33, MIN_TEXT_PX],
    ['39 px wide: not yet', 39, 60, null],
    ['zoomed 2.3× on 1080p (74 × 33 px)', 74, 33, 11],
    ['zoomed 3.4× on 1080p (109 × 48 px)', 109, 48, 14],
    ['a large tile never gets more than 14 px text', 300, 200, 14],
    ['40 px high', 60, 40, 14],
    ['36 px high', 60, 36, 12],
  ])('%s', (_name, w, h, want) => expect(nameFontPx(w, h)).toBe(want));

  it.each([
    ['h1-r06-k01', 'h1-r06', 'k01'],
    ['h1-r06-cdu-a', 'h1-r06', 'cdu-a'],
    ['rack-17', 'h1-r06', 'rack-17'],
    ['h1-r06', 'h1-r06', 'h1-r06'],
    ['h1-r06-', 'h1-r06', 'h1-r06-'],
  ])('%s in row %s reads %s', (id, rowId, want) => expect(shortName(id, rowId)).toBe(want));

  it('names every rack and CDU of a laid-out hall after its row', () => {
    const site = buildSiteIndex(generateSite({ halls: 1, rows: 3, racksPerRow: 12, racksPerCdu: 6, name: 't' })).view;
    const layout = layoutHall(site, site.halls[0], 1200, 400);
    expect(layout.racks.slice(0, 3).map((r) => r.name)).toEqual(['k01', 'k02', 'k03']);
    expect(new Set(layout.cdus.map((c) => c.name))).toEqual(new Set(['cdu-a', 'cdu-b', 'cdu-c']));
  });

  it('inks names dark on the light half of the palette and light on its dark ends', () => {
    expect(PALETTE.map(inkOn)).toEqual([INK_LIGHT, INK_DARK, INK_DARK, INK_DARK, INK_DARK, INK_DARK, INK_DARK, INK_DARK, INK_LIGHT]);
    expect(inkOn('#11161c')).toBe(INK_LIGHT);
    expect(inkOn('not a colour')).toBe(INK_LIGHT);
  });
});

describe('alarm beacons', () => {
  it.each([[1366, 1], [1920, 1], [2560, 4 / 3], [3840, 2], [Number.NaN, 1]])('on a screen %d CSS px wide, the smallest beacon is ×%d', (w, k) => {
    expect(beaconScreenScale(w)).toBeCloseTo(k, 6);
  });

  it.each([
    // tileW, tileH: the glyph covers at least MIN_GLYPH_PX and the frame stands clear of the tile
    ['a 1 GW overview tile (8 × 10 px)', 8, 10, { framePadPx: 8, lineWPx: 3, glyphPx: MIN_GLYPH_PX }],
    ['a 1080p hall-view tile (32 × 14 px)', 32, 14, { framePadPx: 8, lineWPx: 3, glyphPx: MIN_GLYPH_PX }],
    ['a 4K overview tile (16 × 26 px)', 16, 26, { framePadPx: 8, lineWPx: 3, glyphPx: MIN_GLYPH_PX }],
    ['a zoomed tile (109 × 48 px)', 109, 48, { framePadPx: 19, lineWPx: 5, glyphPx: 29 }],
    ['a 4K wall tile (90 × 70 px): a thicker frame', 90, 70, { framePadPx: 28, lineWPx: 7, glyphPx: 42 }],
    ['a 1 GW wall tile on a 3840-px screen (14 × 10 px): twice the smallest beacon', 14, 10, { framePadPx: 16, lineWPx: 6, glyphPx: 2 * MIN_GLYPH_PX }, 2],
  ])('%s', (_name, w, h, want, screenScale = 1) => {
    const s = beaconSize(w, h, 0, screenScale);
    expect({ framePadPx: s.framePadPx, lineWPx: s.lineWPx, glyphPx: s.glyphPx }).toEqual(want);
    expect(s.glyphPx).toBeGreaterThanOrEqual(MIN_GLYPH_PX);
    // Larger than the tile: the beacon spreads over the neighbours, at least 5 px clear each side.
    expect(s.framePadPx - s.lineWPx).toBeGreaterThanOrEqual(5);
  });

  it('pulses: the halo starts at the frame, fully visible, and grows as it fades', () => {
    const at = [0, 0.25, 0.5, 0.9].map((p) => beaconSize(8, 10, p));
    expect(at[0].haloPadPx).toBe(at[0].framePadPx);
    for (let k = 1; k < at.length; k++) {
      expect(at[k].haloPadPx).toBeGreaterThan(at[k - 1].haloPadPx);
      expect(at[k].haloAlpha).toBeLessThan(at[k - 1].haloAlpha);
    }
  });

  it.each([
    ['the start of a period', 0, false, 0],
    ['just before the second step', PULSE_PERIOD_MS / PULSE_STEPS - 1, false, 0],
    ['the second step', PULSE_PERIOD_MS / PULSE_STEPS, false, 1 / PULSE_STEPS],
    ['the last step', PULSE_PERIOD_MS - 1, false, (PULSE_STEPS - 1) / PULSE_STEPS],
    ['the next period', PULSE_PERIOD_MS * 3 + 1, false, 0],
    ['without motion: always the first phase', PULSE_PERIOD_MS * 0.5, true, 0],
  ])('pulse phase at %s', (_name, tMs, still, want) => expect(pulsePhase(tMs, still)).toBeCloseTo(want, 9));

  it('gives a tile one beacon: a trip or leak glyph wins over its critical alert', () => {
    const cdu = { x: 0, y: 0, w: 10, h: 8 };
    const rack = { x: 20, y: 0, w: 10, h: 10 };
    const other = { x: 40, y: 0, w: 10, h: 10 };
    expect(mergeBeacons([{ kind: 'trip', rect: cdu }], [cdu, rack, other])).toEqual([
      { kind: 'trip', rect: cdu }, { kind: 'critical', rect: rack }, { kind: 'critical', rect: other },
    ]);
    expect(mergeBeacons([{ kind: 'leak', rect: rack }], [])).toEqual([{ kind: 'leak', rect: rack }]);
  });
});

describe('site overview arrangement', () => {
  // A 1 GW site: 4 halls of 37 rows × 50 racks with 6 CDUs per row (hall-layout's hallGrid).
  const GW = Array.from({ length: 4 }, () => ({ cols: 56.6, rows: 37 }));
  // The cards' box on a screen of W × H with the header, site KPIs and legend above (about 170 px).
  const screen = (w: number, h: number, topPx = 170) => [w - 32, Math.max(h * 0.6, h - topPx - 16)] as const;

  it.each([
    ['1366 × 768', ...screen(1366, 768), { columns: 4, kpis: 'top', mapWPx: 297 }],
    ['1920 × 1080', ...screen(1920, 1080), { columns: 4, kpis: 'top', mapWPx: 435 }],
    ['1920 × 1080 under a long alert list', ...screen(1920, 1080, 450), { columns: 4, kpis: 'top', mapWPx: 435 }],
    ['3840 × 2160', ...screen(3840, 2160), { columns: 4, kpis: 'top', mapWPx: 915 }],
  ])('a 1 GW site on %s: the halls side by side, maps as wide as their cards', (_name, w, h, want) => {
    const plan = planOverview(GW, w, h);
    expect({ columns: plan.columns, kpis: plan.kpis, mapWPx: plan.mapWPx }).toEqual(want);
    // The maps take most of the width (the old layout gave them under half of it).
    expect((plan.mapWPx * plan.columns) / w).toBeGreaterThan(0.85);
    // The cards fit the height they were given.
    expect(plan.cardHPx).toBeLessThanOrEqual(h);
  });

  it('gives a single hall the whole width, its KPIs beside it when the map is bound by height', () => {
    const plan = planOverview([{ cols: 12.6, rows: 12 }], 1888, 700);
    expect(plan).toMatchObject({ columns: 1, kpis: 'side', mapWPx: 1888 - CARD.chromeWPx - CARD.sideKpisWPx });
    expect(plan.cellPx).toBeCloseTo((700 - CARD.chromeHPx) / (12 * 1.45), 6);
  });

  it('takes another row of cards when one row would leave the maps too low', () => {
    const plan = planOverview(Array.from({ length: 12 }, () => ({ cols: 30.6, rows: 10 })), 1888, 1400);
    expect(plan.columns).toBeLessThan(12);
    expect(plan.cardHPx * Math.ceil(12 / plan.columns)).toBeLessThanOrEqual(1400);
  });

  it('never draws a map higher than its tiles can stretch to (no empty card under a wide, shallow hall)', () => {
    const plan = planOverview([{ cols: 50.6, rows: 2 }], 1888, 900);
    expect(plan.mapHPx).toBeLessThan(200);
    expect(plan.cardHPx).toBeLessThan(900);
  });

  it('matches the generated 1 GW hall\'s grid', () => {
    const site = buildSiteIndex(generateSite({ halls: 1, rows: 37, racksPerRow: 50, racksPerCdu: 10, name: 'gw' })).view;
    expect(hallGrid(site.halls[0])).toEqual({ cols: 56.6, rows: 37 });
  });
});
